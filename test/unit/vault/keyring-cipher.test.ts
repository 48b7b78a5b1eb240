/**
 * The keyring backend against a real Secret Service. Run it with one:
 *
 *   AIRLOCK_REQUIRE_KEYRING=1 scripts/with-keyring.sh node --test test/unit/vault/keyring-cipher.test.ts
 *
 * Without a reachable Secret Service the real-keyring tests skip, saying why, unless
 * AIRLOCK_REQUIRE_KEYRING is set (as in CI), where they fail instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AsyncEntry } from '@napi-rs/keyring';
import { openVault } from '../../../src/vault/file-vault.ts';
import { KEYRING_SERVICE, KeyringCipher, keyringAccount } from '../../../src/vault/keyring-cipher.ts';
import { rejectsWithCode, tempHome } from './helpers.ts';

const CANARY = 'keyring-canary-1b2c3d';

/** Why no Secret Service can be used here, or undefined when one answers. */
async function secretServiceProblem(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'these tests drive the Linux Secret Service';
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)';
  try {
    const probe = new AsyncEntry(KEYRING_SERVICE, `probe-${crypto.randomUUID()}`, {
      linux: { store: 'secret-service' },
    });
    await probe.getPassword();
    return undefined;
  } catch (error) {
    return `the Secret Service does not answer: ${(error as Error).message}`;
  }
}

const problem = await secretServiceProblem();
const required = Boolean(process.env.AIRLOCK_REQUIRE_KEYRING);
const skip = problem && !required ? `${problem}; run under scripts/with-keyring.sh` : false;

function realEntry(home: string): AsyncEntry {
  return new AsyncEntry(KEYRING_SERVICE, keyringAccount(home), { linux: { store: 'secret-service' } });
}

test('a Secret Service is reachable (required when AIRLOCK_REQUIRE_KEYRING is set)', { skip }, () => {
  assert.equal(problem, undefined, problem);
});

test('keyring vault: round trip; the master key lives in the keyring, not in the vault file', { skip }, async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'vault.json');
  t.after(() =>
    realEntry(home)
      .deleteCredential()
      .catch(() => undefined),
  );

  const vault = await openVault({ file, cipher: new KeyringCipher({ home }) });
  await vault.set('secret/CANARY', CANARY);
  await vault.close();

  const stored = await realEntry(home).getPassword();
  assert.ok(stored, 'the master key was created in the keyring');
  const masterKey = Buffer.from(stored, 'base64');
  assert.equal(masterKey.length, 32);
  const bytes = fs.readFileSync(file);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(bytes.includes(Buffer.from(CANARY)), false, 'no plaintext value in the file');
  assert.equal(bytes.includes(Buffer.from(stored)), false, 'no master key (base64) in the file');
  assert.equal(bytes.includes(masterKey), false, 'no master key (raw) in the file');
  assert.equal(JSON.parse(bytes.toString('utf8')).backend, 'keyring');

  // A new process-worth of objects finds the key again in the keyring.
  const reopened = await openVault({ file, cipher: new KeyringCipher({ home }) });
  assert.equal(await reopened.get('secret/CANARY'), CANARY);
  await reopened.close();

  // Without the keyring entry the vault cannot be opened, and nothing is re-created over it.
  assert.equal(await realEntry(home).deleteCredential(), true);
  const before = fs.readFileSync(file);
  const error = await rejectsWithCode(openVault({ file, cipher: new KeyringCipher({ home }) }), 'KEYRING_KEY_MISSING');
  assert.match(error.message, /move the vault file aside/);
  assert.deepEqual(fs.readFileSync(file), before);
  assert.equal(await realEntry(home).getPassword(), null, 'no new key was planted by a failed open');
});

test('two data directories get two different master keys', { skip }, async (t) => {
  const homes = [tempHome(t), tempHome(t)];
  t.after(() =>
    Promise.all(
      homes.map((home) =>
        realEntry(home)
          .deleteCredential()
          .catch(() => undefined),
      ),
    ),
  );
  for (const home of homes) {
    const vault = await openVault({ file: path.join(home, 'vault.json'), cipher: new KeyringCipher({ home }) });
    await vault.set('secret/X', home);
    await vault.close();
  }
  const keys = await Promise.all(homes.map((home) => realEntry(home).getPassword()));
  assert.notEqual(keys[0], keys[1]);
  for (const home of homes) {
    const vault = await openVault({ file: path.join(home, 'vault.json'), cipher: new KeyringCipher({ home }) });
    assert.equal(await vault.get('secret/X'), home);
    await vault.close();
  }
});

test(
  'with no session bus at all, the keyring backend fails clearly and writes nothing',
  { skip: process.platform !== 'linux' && 'Linux only' },
  async (t) => {
    const home = tempHome(t);
    const file = path.join(home, 'vault.json');
    const modules = new URL('../../../src/vault', import.meta.url).href;
    const script = `
    const { openVault } = await import(${JSON.stringify(`${modules}/file-vault.ts`)});
    const { KeyringCipher } = await import(${JSON.stringify(`${modules}/keyring-cipher.ts`)});
    const vault = await openVault({ file: ${JSON.stringify(file)}, cipher: new KeyringCipher({ home: ${JSON.stringify(home)} }) });
    try { await vault.set('secret/A', 'a'); console.log('WROTE'); }
    catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }`;
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` };
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { env, timeout: 20_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    const result = JSON.parse(stdout.trim()) as { code: string; message: string };
    assert.equal(result.code, 'KEYRING_UNAVAILABLE');
    assert.match(result.message, /AIRLOCK_SECRET_BACKEND=passphrase/);
    assert.equal(fs.existsSync(file), false, 'no vault file, so certainly no plaintext fallback');
  },
);

test('keyring failures map to clear errors (injected keyring)', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'vault.json');
  const down = new KeyringCipher({
    home,
    entryFactory: () => {
      throw new Error('org.freedesktop.DBus.Error.ServiceUnknown');
    },
  });
  const vault = await openVault({ file, cipher: down });
  await rejectsWithCode(vault.set('secret/A', 'a'), 'KEYRING_UNAVAILABLE');
  assert.equal(fs.existsSync(file), false);
  await vault.close();

  const locked = new KeyringCipher({
    home,
    entryFactory: () => ({
      getPassword: () => Promise.reject(new Error('the collection is locked')),
      setPassword: () => Promise.reject(new Error('the collection is locked')),
    }),
  });
  const error = await rejectsWithCode(locked.encrypt(Buffer.alloc(32)), 'KEYRING_UNAVAILABLE');
  assert.match(error.message, /collection is locked/);

  const garbage = new KeyringCipher({
    home,
    entryFactory: () => ({ getPassword: async () => 'not a key', setPassword: async () => undefined }),
  });
  await rejectsWithCode(garbage.decrypt(Buffer.alloc(64)), 'KEYRING_KEY_INVALID');

  const forgetful = new KeyringCipher({
    home,
    entryFactory: () => ({ getPassword: async () => null, setPassword: async () => undefined }),
  });
  await rejectsWithCode(forgetful.encrypt(Buffer.alloc(32)), 'KEYRING_UNAVAILABLE');

  let saved: string | null = null;
  const fresh = () =>
    new KeyringCipher({
      home,
      entryFactory: () => ({
        getPassword: async () => saved,
        setPassword: async (value: string) => void (saved = value),
      }),
    });
  const wrapped = await fresh().encrypt(Buffer.from('k'.repeat(32)));
  assert.deepEqual(await fresh().decrypt(wrapped), Buffer.from('k'.repeat(32)));
  saved = crypto.randomBytes(32).toString('base64');
  await rejectsWithCode(fresh().decrypt(wrapped), 'VAULT_KEY_MISMATCH');
});
