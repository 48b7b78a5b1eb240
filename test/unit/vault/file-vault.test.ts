import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openVault } from '../../../src/vault/file-vault.ts';
import { MemoryCipher } from '../../../src/vault/memory-cipher.ts';
import { PassphraseCipher } from '../../../src/vault/passphrase-cipher.ts';
import { editRawRecord, fastPassphrase, rejectsWithCode, tempHome } from './helpers.ts';

const CANARY = 'canary-7f3a9c1e-do-not-leak';

test('passphrase vault: values round-trip across reopen, the file is 0600 and holds no plaintext', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'vault.json');
  // Real cost parameters here, so the defaults are exercised once.
  const vault = await openVault({ file, cipher: new PassphraseCipher('pw-1') });
  assert.equal(fs.existsSync(file), false, 'opening alone writes nothing');
  await vault.set('secret/CANARY', CANARY);
  await vault.set('oauth/github/token', JSON.stringify({ access_token: `${CANARY}-token` }));
  await vault.close();

  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.includes(Buffer.from(CANARY)), false, 'no plaintext value in the file');
  assert.equal(bytes.includes(Buffer.from('pw-1')), false, 'no passphrase in the file');
  const raw = JSON.parse(bytes.toString('utf8'));
  assert.equal(raw.format, 'airlock-vault');
  assert.equal(raw.version, 1);
  assert.equal(raw.backend, 'passphrase');
  assert.deepEqual(Object.keys(raw.records).sort(), ['oauth/github/token', 'secret/CANARY']);

  const again = await openVault({ file, cipher: new PassphraseCipher('pw-1') });
  t.after(() => again.close());
  assert.equal(await again.get('secret/CANARY'), CANARY);
  assert.equal(JSON.parse((await again.get('oauth/github/token')) ?? '{}').access_token, `${CANARY}-token`);
  assert.equal(await again.get('secret/MISSING'), undefined);
  const listed = await again.list('secret/');
  assert.deepEqual(
    listed.map((r) => r.name),
    ['secret/CANARY'],
  );
  assert.ok(!Number.isNaN(Date.parse(listed[0]?.updatedAt ?? '')));
  assert.deepEqual(Object.keys(listed[0] ?? {}).sort(), ['name', 'updatedAt'], 'listing carries no values');

  assert.equal(await again.delete('secret/CANARY'), true);
  assert.equal(await again.delete('secret/CANARY'), false);
  assert.equal(await again.get('secret/CANARY'), undefined);
  assert.deepEqual(await again.verify(), [{ name: 'oauth/github/token', ok: true }]);
});

test('memory vault: values round-trip in the process and nothing is written to disk', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'vault.json');
  const vault = await openVault({ file, cipher: new MemoryCipher() });
  t.after(() => vault.close());
  assert.equal(vault.backend, 'memory');
  const changes: string[][] = [];
  vault.onChange((names) => changes.push(names));
  await vault.set('secret/CANARY', CANARY);
  assert.equal(await vault.get('secret/CANARY'), CANARY);
  assert.deepEqual(
    (await vault.list()).map((r) => r.name),
    ['secret/CANARY'],
  );
  assert.equal(await vault.delete('secret/CANARY'), true);
  assert.deepEqual(changes, [['secret/CANARY'], ['secret/CANARY']]);
  assert.deepEqual(fs.readdirSync(home), [], 'no vault file, lock or temp file');
});

test('a tampered record is reported by name, the others still read, and later writes keep it as it is', async (t) => {
  const file = path.join(tempHome(t), 'vault.json');
  const writer = await openVault({ file, cipher: fastPassphrase() });
  await writer.set('secret/A', 'alpha');
  await writer.set('secret/B', 'bravo');
  await writer.set('secret/C', 'charlie');
  await writer.close();
  editRawRecord(file, 'secret/B', (sealed) => {
    const index = Math.floor(sealed.length / 2);
    sealed[index] = (sealed[index] ?? 0) ^ 0x40;
    return sealed;
  });
  const damaged = JSON.parse(fs.readFileSync(file, 'utf8')).records['secret/B'];

  const vault = await openVault({ file, cipher: fastPassphrase() });
  t.after(() => vault.close());
  const error = await rejectsWithCode(vault.get('secret/B'), 'VAULT_RECORD_UNREADABLE');
  assert.match(error.message, /"secret\/B"/);
  assert.equal(await vault.get('secret/A'), 'alpha');
  assert.equal(await vault.get('secret/C'), 'charlie');
  assert.deepEqual(await vault.verify(), [
    { name: 'secret/A', ok: true },
    { name: 'secret/B', ok: false },
    { name: 'secret/C', ok: true },
  ]);

  await vault.set('secret/D', 'delta');
  await vault.delete('secret/A');
  const after = JSON.parse(fs.readFileSync(file, 'utf8')).records;
  assert.deepEqual(after['secret/B'], damaged, 'the damaged record is neither dropped nor re-sealed');
  assert.equal(await vault.get('secret/D'), 'delta');
  await rejectsWithCode(vault.get('secret/B'), 'VAULT_RECORD_UNREADABLE');
});

test("a record's ciphertext copied under another name is refused", async (t) => {
  const file = path.join(tempHome(t), 'vault.json');
  const vault = await openVault({ file, cipher: fastPassphrase() });
  await vault.set('secret/A', 'the value of A');
  await vault.set('secret/B', 'the value of B');
  await vault.close();
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  raw.records['secret/B'].sealed = raw.records['secret/A'].sealed;
  fs.writeFileSync(file, JSON.stringify(raw));

  const reopened = await openVault({ file, cipher: fastPassphrase() });
  t.after(() => reopened.close());
  await rejectsWithCode(reopened.get('secret/B'), 'VAULT_RECORD_UNREADABLE');
  assert.equal(await reopened.get('secret/A'), 'the value of A');
});

test('a wrong passphrase is refused at open and the file is not touched', async (t) => {
  const file = path.join(tempHome(t), 'vault.json');
  const vault = await openVault({ file, cipher: fastPassphrase('right') });
  await vault.set('secret/A', 'alpha');
  await vault.close();
  const before = fs.readFileSync(file);
  const mtime = fs.statSync(file).mtimeMs;

  const error = await rejectsWithCode(openVault({ file, cipher: fastPassphrase('wrong') }), 'VAULT_WRONG_PASSPHRASE');
  assert.match(error.message, /AIRLOCK_PASSPHRASE/);
  assert.deepEqual(fs.readFileSync(file), before);
  assert.equal(fs.statSync(file).mtimeMs, mtime);
});

test('a vault made with one backend is refused under another, with a way out, and not overwritten', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'vault.json');
  const vault = await openVault({ file, cipher: fastPassphrase() });
  await vault.set('secret/A', 'alpha');
  await vault.close();
  const before = fs.readFileSync(file);

  const keyringLike = { backend: 'keyring' as const, encrypt: async (b: Buffer) => b, decrypt: async (b: Buffer) => b };
  const error = await rejectsWithCode(openVault({ file, cipher: keyringLike }), 'VAULT_BACKEND_CHANGED');
  assert.match(error.message, /AIRLOCK_SECRET_BACKEND=passphrase/);
  assert.match(error.message, /move the vault file aside/);
  assert.deepEqual(fs.readFileSync(file), before);
  assert.deepEqual(fs.readdirSync(home), ['vault.json']);
});

test('a malformed vault file is VAULT_CORRUPT and left untouched; a newer format is refused', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'vault.json');
  const cases = [
    'not json {',
    '[]',
    JSON.stringify({ format: 'something-else', version: 1 }),
    JSON.stringify({ format: 'airlock-vault', version: 1, backend: 'plaintext', wrappedKey: 'AAAA', records: {} }),
    JSON.stringify({ format: 'airlock-vault', version: 1, backend: 'passphrase', wrappedKey: 'AAAA', records: [] }),
    JSON.stringify({
      format: 'airlock-vault',
      version: 1,
      backend: 'passphrase',
      wrappedKey: 'AAAA',
      records: { a: 1 },
    }),
    JSON.stringify({ format: 'airlock-vault', version: 0, backend: 'passphrase', wrappedKey: 'AAAA', records: {} }),
  ];
  for (const text of cases) {
    fs.writeFileSync(file, text);
    await rejectsWithCode(openVault({ file, cipher: fastPassphrase() }), 'VAULT_CORRUPT');
    assert.equal(fs.readFileSync(file, 'utf8'), text);
  }

  const newer = JSON.stringify({
    format: 'airlock-vault',
    version: 2,
    backend: 'passphrase',
    wrappedKey: 'AAAA',
    records: {},
  });
  fs.writeFileSync(file, newer);
  const error = await rejectsWithCode(openVault({ file, cipher: fastPassphrase() }), 'VAULT_VERSION_UNSUPPORTED');
  assert.match(error.message, /version 2/);
  assert.equal(fs.readFileSync(file, 'utf8'), newer);
  assert.deepEqual(fs.readdirSync(home), ['vault.json']);
});

test('two instances on one file (CLI and gateway) lose no interleaved writes, and reload reports changes', async (t) => {
  const file = path.join(tempHome(t), 'vault.json');
  const cli = await openVault({ file, cipher: fastPassphrase() });
  const gateway = await openVault({ file, cipher: fastPassphrase() });
  t.after(() => Promise.all([cli.close(), gateway.close()]));
  const heard: string[][] = [];
  gateway.onChange((names) => heard.push(names));

  const writes: Promise<void>[] = [];
  for (let i = 0; i < 15; i += 1) {
    writes.push(cli.set(`secret/cli-${i}`, `c${i}`));
    writes.push(gateway.set(`oauth/gw-${i}`, `g${i}`));
  }
  await Promise.all(writes);

  const fresh = await openVault({ file, cipher: fastPassphrase() });
  t.after(() => fresh.close());
  const names = (await fresh.list()).map((r) => r.name);
  assert.equal(names.length, 30, 'every write from both instances is in the file');
  for (let i = 0; i < 15; i += 1) {
    assert.equal(await fresh.get(`secret/cli-${i}`), `c${i}`);
    assert.equal(await fresh.get(`oauth/gw-${i}`), `g${i}`);
  }

  // The gateway saw some CLI writes while re-reading inside the lock; reload brings the rest.
  await gateway.reload();
  assert.deepEqual(await gateway.reload(), [], 'nothing changed since');
  await cli.set('secret/cli-3', 'rotated');
  await cli.delete('secret/cli-4');
  await cli.set('secret/new', 'n');
  heard.length = 0;
  assert.deepEqual(await gateway.reload(), ['secret/cli-3', 'secret/cli-4', 'secret/new']);
  assert.deepEqual(heard, [['secret/cli-3', 'secret/cli-4', 'secret/new']]);
  assert.equal(await gateway.get('secret/cli-3'), 'rotated');
  assert.equal(await gateway.get('secret/cli-4'), undefined);
  const all = heard.flat();
  assert.ok(!all.some((name) => name.includes('c3') || name.includes('rotated')), 'listeners get names, not values');
});

test('with watch on, a write by another instance reaches this one by itself; close() stops it', async (t) => {
  const file = path.join(tempHome(t), 'vault.json');
  const gateway = await openVault({ file, cipher: fastPassphrase(), watch: { debounceMs: 20 } });
  const cli = await openVault({ file, cipher: fastPassphrase() });
  t.after(() => Promise.all([cli.close(), gateway.close()]));
  const changed = new Promise<string[]>((resolve) => gateway.onChange(resolve));
  await cli.set('client/laptop', '{"hash":"x"}');
  const names = await Promise.race([
    changed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no change seen in 5 s')), 5000).unref()),
  ]);
  assert.deepEqual(names, ['client/laptop']);
  assert.equal(await gateway.get('client/laptop'), '{"hash":"x"}');
  await gateway.close();
  await rejectsWithCode(gateway.get('client/laptop'), 'VAULT_CLOSED');
});

test('a vault file replaced by a new one (moved aside, started over) is picked up with its own key', async (t) => {
  const file = path.join(tempHome(t), 'vault.json');
  const gateway = await openVault({ file, cipher: fastPassphrase() });
  t.after(() => gateway.close());
  await gateway.set('secret/old', 'o');
  fs.renameSync(file, `${file}.bak`);
  const cli = await openVault({ file, cipher: fastPassphrase() });
  await cli.set('secret/new', 'n');
  await cli.close();
  assert.deepEqual(await gateway.reload(), ['secret/new', 'secret/old']);
  assert.equal(await gateway.get('secret/new'), 'n');
});
