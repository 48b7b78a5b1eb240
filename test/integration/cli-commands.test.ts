/**
 * The CLI as scripts use it: exit codes (0 success, 1 failure, 2 usage error), the `--json` shapes, and
 * changes taking effect in a running gateway at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { prepareHome, runCli, startServeProcess, until } from '../helpers/gateway-harness.ts';
import { stdioFixtureCommand } from '../helpers/spawn-fixture.ts';
import type { PreparedHome, ServeProcess } from '../helpers/gateway-harness.ts';

describe('without a running gateway', { timeout: 60_000 }, () => {
  let home: PreparedHome;
  before(async () => {
    home = await prepareHome({ noRemote: true });
  });
  after(() => home?.cleanup());
  const cli = (...args: string[]) => runCli(home.home, args);

  test('--help and --version exit 0', async () => {
    const help = await cli('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /serve/);
    assert.equal((await cli('--version')).code, 0);
  });

  test('usage errors exit 2', async () => {
    const cases = [
      ['bogus'],
      ['client', 'add', 'Bad_Name'],
      ['client', 'add', 'ok', '--servers', 'BAD!'],
      ['server', 'add', 'x'],
      ['server', 'add', 'x', '--url', 'http://127.0.0.1:1/mcp', '--env', 'A=B'],
      ['server', 'add', 'x', '--url', 'http://127.0.0.1:1/mcp', '--header', 'novalue'],
      ['serve', '--port', 'abc'],
      ['client', 'revoke'],
    ];
    for (const args of cases) {
      const result = await cli(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.ok(result.stderr.length > 0, `${args.join(' ')} explains the error`);
    }
  });

  test('failures exit 1 with a message and change nothing', async () => {
    const config = fs.readFileSync(path.join(home.home, 'config.json'), 'utf8');
    const cases = [
      ['client', 'revoke', 'nobody'],
      ['server', 'remove', 'nobody'],
      ['client', 'add', 'someone', '--servers', 'nosuch'],
      ['server', 'add', 'local', '--url', 'http://127.0.0.1:1/mcp'],
      [
        'server',
        'add',
        'leak',
        '--url',
        'http://127.0.0.1:1/mcp',
        '--header',
        'Authorization=Bearer abcdefghijklmnop1234',
      ],
    ];
    for (const args of cases) {
      const result = await cli(...args);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^airlock: /, args.join(' '));
    }
    assert.equal(fs.readFileSync(path.join(home.home, 'config.json'), 'utf8'), config);
  });

  test('status --json: not running, exit 1, servers stopped', async () => {
    const result = await cli('--json', 'status');
    assert.equal(result.code, 1);
    assert.deepEqual(JSON.parse(result.stdout), { running: false, servers: [{ name: 'local', state: 'stopped' }] });
  });

  test('client add --json prints {name, key, ...} once; list never shows the key', async () => {
    const added = await cli('--json', 'client', 'add', 'cursor', '--servers', 'local');
    assert.equal(added.code, 0, added.stderr);
    const parsed = JSON.parse(added.stdout) as { name: string; key: string; servers: string[]; mcpUrl: string };
    assert.equal(parsed.name, 'cursor');
    assert.match(parsed.key, /^alk_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(parsed.servers, ['local']);
    const listed = await cli('--json', 'client', 'list');
    assert.equal(listed.code, 0);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { name: string; servers: unknown }[]).map((c) => [c.name, c.servers]),
      [['cursor', ['local']]],
    );
    for (const file of fs.readdirSync(home.home).filter((f) => fs.statSync(path.join(home.home, f)).isFile())) {
      assert.ok(!fs.readFileSync(path.join(home.home, file), 'utf8').includes(parsed.key), `key found in ${file}`);
    }
    assert.equal((await cli('client', 'add', 'cursor')).code, 1, 'a second client of that name is refused');
  });

  test('server list --json: an array with name and state', async () => {
    const result = await cli('--json', 'server', 'list');
    assert.equal(result.code, 0);
    const rows = JSON.parse(result.stdout) as { name: string; state: string }[];
    assert.ok(Array.isArray(rows));
    assert.deepEqual(
      rows.map((r) => [r.name, r.state]),
      [['local', 'stopped']],
    );
  });
});

describe('with a running gateway', { timeout: 60_000 }, () => {
  let g: ServeProcess;
  before(async () => {
    g = await startServeProcess({ noRemote: true });
  });
  after(() => g?.close());

  test('status --json and server list --json show live state', async () => {
    const status = await g.cli(['--json', 'status']);
    assert.equal(status.code, 0);
    const parsed = JSON.parse(status.stdout) as { running: boolean; mcpUrl: string; configError: unknown };
    assert.equal(parsed.running, true);
    assert.equal(parsed.mcpUrl, g.mcpUrl);
    assert.equal(parsed.configError, null);
    const list = JSON.parse((await g.cli(['--json', 'server', 'list'])).stdout) as { name: string; state: string }[];
    assert.deepEqual(
      list.map((r) => [r.name, r.state]),
      [['local', 'connected']],
    );
  });

  test('server add and server remove take effect at once', async () => {
    const { command, args } = stdioFixtureCommand({ name: 'fx-extra' });
    const added = await g.cli(['--json', 'server', 'add', 'extra', '--', command, ...args]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal((JSON.parse(added.stdout) as { applied: boolean }).applied, true);
    const state = async () =>
      (JSON.parse((await g.cli(['--json', 'server', 'list'])).stdout) as { name: string; state: string }[]).find(
        (r) => r.name === 'extra',
      )?.state;
    await until(async () => (await state()) === 'connected', 'the new server to connect');
    const removed = await g.cli(['server', 'remove', 'extra']);
    assert.equal(removed.code, 0, removed.stderr);
    const status = JSON.parse((await g.cli(['--json', 'status'])).stdout) as { servers: { name: string }[] };
    assert.deepEqual(
      status.servers.map((s) => s.name),
      ['local'],
    );
  });
});
