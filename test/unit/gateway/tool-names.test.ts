import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { buildNameTable, MAX_NAME_LENGTH, plainExposedName } from '../../../src/gateway/tool-names.ts';
import type { NamedEntry } from '../../../src/gateway/tool-names.ts';

const SAFE = /^[A-Za-z0-9_-]{1,64}$/;
const hash8 = (server: string, name: string) =>
  crypto.createHash('sha256').update(`${server}/${name}`).digest('hex').slice(0, 8);

function exposed(entries: NamedEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, entry] of buildNameTable(entries)) out[`${entry.server}/${entry.name}`] = name;
  return out;
}

describe('tool names on /mcp', () => {
  test('a safe name is SERVER__NAME, unchanged', () => {
    assert.equal(plainExposedName({ server: 'files', name: 'read_file' }), 'files__read_file');
    assert.deepEqual(exposed([{ server: 'files', name: 'read-file' }]), { 'files/read-file': 'files__read-file' });
  });

  test('characters outside [A-Za-z0-9_-] become _', () => {
    assert.deepEqual(exposed([{ server: 'web', name: 'fetch.url v2/ü' }]), {
      'web/fetch.url v2/ü': 'web__fetch_url_v2__',
    });
  });

  test('a name that would collide gets a hash suffix; the clean one keeps the plain form', () => {
    // 'a.b' sorts before 'a_b', but the clean name still wins the plain form.
    const names = exposed([
      { server: 's', name: 'a.b' },
      { server: 's', name: 'a_b' },
    ]);
    assert.equal(names['s/a_b'], 's__a_b');
    assert.equal(names['s/a.b'], `s__a_b_${hash8('s', 'a.b')}`);
  });

  test('two mangled names that collide both stay distinct and stable', () => {
    const entries = [
      { server: 's', name: 'a.b' },
      { server: 's', name: 'a b' },
    ];
    const first = exposed(entries);
    assert.notEqual(first['s/a.b'], first['s/a b']);
    assert.deepEqual(exposed([...entries].reverse()), first, 'order of listing does not change names');
  });

  test('names over 64 characters are cut to 55 and get a hash suffix', () => {
    const long = 'x'.repeat(80);
    const names = exposed([{ server: 'srv', name: long }]);
    const name = names[`srv/${long}`]!;
    assert.equal(name.length, MAX_NAME_LENGTH);
    assert.equal(name, `${`srv__${long}`.slice(0, 55)}_${hash8('srv', long)}`);
  });

  test('two long names with the same prefix do not collide', () => {
    const a = `${'y'.repeat(70)}a`;
    const b = `${'y'.repeat(70)}b`;
    const names = exposed([
      { server: 's', name: a },
      { server: 's', name: b },
    ]);
    assert.notEqual(names[`s/${a}`], names[`s/${b}`]);
  });

  test('every exposed name is safe and maps back to exactly one entry', () => {
    const entries: NamedEntry[] = [];
    for (const server of ['a', 'b-c', 'x'.repeat(32)]) {
      for (const name of ['t', 't.1', 't_1', 'ünï', '', ' ', 'z'.repeat(100), 'dup__x', 'x__dup']) {
        entries.push({ server, name });
      }
    }
    const table = buildNameTable(entries);
    assert.equal(table.size, entries.length);
    for (const name of table.keys()) assert.match(name, SAFE);
  });

  test('the same tool on two servers is told apart by the server prefix', () => {
    assert.deepEqual(
      exposed([
        { server: 'one', name: 'echo' },
        { server: 'two', name: 'echo' },
      ]),
      { 'one/echo': 'one__echo', 'two/echo': 'two__echo' },
    );
  });

  test("a tool named like another tool's hashed form does not shadow it", () => {
    const shadow = `a_b_${hash8('s', 'a.b')}`;
    const entries = [
      { server: 's', name: 'a_b' },
      { server: 's', name: shadow },
      { server: 's', name: 'a.b' },
    ];
    const table = buildNameTable(entries);
    assert.equal(table.size, 3, 'every tool stays reachable');
    for (const name of table.keys()) assert.match(name, SAFE);
    assert.equal(table.get(`s__${shadow}`)?.name, shadow);
  });
});
