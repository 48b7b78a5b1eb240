import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkSafeStorage, SafeStorageCipher, type SafeStorageLike } from '../../../electron/safe-storage-cipher.ts';
import { openDesktopVault } from '../../../electron/desktop-vault.ts';

/**
 * A stand-in for Electron's safeStorage with real AES-256-GCM under a key it holds, like the OS
 * keychain would; `rotate()` makes it encrypt under a new key while still reading the old one.
 */
class FakeSafeStorage implements SafeStorageLike {
  backend: string;
  available = true;
  keys = [crypto.randomBytes(32)];
  reEncryptNext = false;
  encryptCalls = 0;

  constructor(backend: string) {
    this.backend = backend;
  }
  async isAsyncEncryptionAvailable(): Promise<boolean> {
    return this.available;
  }
  getSelectedStorageBackend(): string {
    return this.backend;
  }
  async encryptStringAsync(plainText: string): Promise<Buffer> {
    this.encryptCalls++;
    const keyIndex = this.keys.length - 1;
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keys[keyIndex]!, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([keyIndex]), iv, cipher.getAuthTag(), body]);
  }
  async decryptStringAsync(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }> {
    const keyIndex = encrypted[0]!;
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.keys[keyIndex]!, encrypted.subarray(1, 13));
    decipher.setAuthTag(encrypted.subarray(13, 29));
    const result = Buffer.concat([decipher.update(encrypted.subarray(29)), decipher.final()]).toString('utf8');
    return { result, shouldReEncrypt: keyIndex !== this.keys.length - 1 };
  }
  rotate(): void {
    this.keys.push(crypto.randomBytes(32));
  }
}

function tempHome(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-safe-storage-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

for (const backend of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']) {
  test(`Linux ${backend}: the vault key round-trips through safeStorage`, async () => {
    const fake = new FakeSafeStorage(backend);
    assert.deepEqual(await checkSafeStorage(fake, 'linux'), { ok: true, backend });
    const cipher = new SafeStorageCipher(fake, { platform: 'linux' });
    const key = crypto.randomBytes(32);
    const sealed = await cipher.encrypt(key);
    assert.equal(sealed.includes(key), false, 'the key is not stored as it is');
    assert.deepEqual(await cipher.decrypt(sealed), key);
  });
}

for (const backend of ['basic_text', 'unknown']) {
  test(`Linux ${backend}: refused, fail closed, and the user is told what to do`, async () => {
    const fake = new FakeSafeStorage(backend);
    const check = await checkSafeStorage(fake, 'linux');
    assert.equal(check.ok, false);
    assert.match((check as { reason: string }).reason, /AIRLOCK_SECRET_BACKEND=passphrase/);
    assert.match((check as { reason: string }).reason, /memory/);
    const cipher = new SafeStorageCipher(fake, { platform: 'linux' });
    await assert.rejects(cipher.encrypt(crypto.randomBytes(32)), { code: 'SAFE_STORAGE_INSECURE' });
    await assert.rejects(cipher.decrypt(Buffer.alloc(40)), { code: 'SAFE_STORAGE_INSECURE' });
    assert.equal(fake.encryptCalls, 0, 'nothing was encrypted with the insecure backend');
  });

  test(`Linux ${backend}: the desktop vault asks, then runs memory-only or not at all`, async (t) => {
    const home = tempHome(t);
    const vaultFile = path.join(home, 'vault.json');
    const reasons: string[] = [];
    const options = { env: {}, home, vaultFile, safeStorage: new FakeSafeStorage(backend), platform: 'linux' as const };
    await assert.rejects(
      openDesktopVault({ ...options, askWhenInsecure: async (reason) => (reasons.push(reason), 'quit') }),
      { code: 'SAFE_STORAGE_INSECURE' },
    );
    assert.equal(reasons.length, 1);
    const { vault, warning } = await openDesktopVault({ ...options, askWhenInsecure: async () => 'memory' });
    assert.equal(vault.backend, 'memory');
    assert.match(warning ?? '', /memory only/);
    await vault.set('secret/token', 'value');
    assert.equal(fs.existsSync(vaultFile), false, 'memory-only secrets never touch the disk');
    await vault.close();
  });
}

test('macOS and Windows: safeStorage is used when the keychain is available, refused when not', async () => {
  for (const platform of ['darwin', 'win32'] as const) {
    const fake = new FakeSafeStorage('unknown'); // the Linux-only backend name is not consulted
    assert.equal((await checkSafeStorage(fake, platform)).ok, true);
    fake.available = false;
    assert.equal((await checkSafeStorage(fake, platform)).ok, false);
  }
});

test('a key sealed by another keychain is reported, not turned into garbage', async () => {
  const cipher = new SafeStorageCipher(new FakeSafeStorage('gnome_libsecret'), { platform: 'linux' });
  const other = new SafeStorageCipher(new FakeSafeStorage('gnome_libsecret'), { platform: 'linux' });
  await assert.rejects(other.decrypt(await cipher.encrypt(crypto.randomBytes(32))), { code: 'VAULT_KEY_MISMATCH' });
});

test('shouldReEncrypt: the vault file gets a fresh wrapping of the same key, records untouched', async (t) => {
  const home = tempHome(t);
  const vaultFile = path.join(home, 'vault.json');
  const fake = new FakeSafeStorage('kwallet6');
  const open = () =>
    openDesktopVault({
      env: {},
      home,
      vaultFile,
      safeStorage: fake,
      platform: 'linux',
      askWhenInsecure: async () => 'quit',
    });

  const first = await open();
  assert.equal(first.vault.backend, 'safe-storage');
  assert.equal(first.warning, null);
  await first.vault.set('secret/api', 'hunter2');
  await first.vault.close();
  const before = JSON.parse(fs.readFileSync(vaultFile, 'utf8'));

  fake.rotate();
  const second = await open();
  assert.equal(await second.vault.get('secret/api'), 'hunter2');
  await second.vault.close();
  const after = JSON.parse(fs.readFileSync(vaultFile, 'utf8'));
  assert.notEqual(after.wrappedKey, before.wrappedKey, 'the key was re-wrapped');
  assert.equal(Buffer.from(after.wrappedKey, 'base64')[0], 1, 'under the new keychain key');
  assert.deepEqual(after.records, before.records);

  const third = await open();
  assert.equal(await third.vault.get('secret/api'), 'hunter2');
  await third.vault.close();
  assert.equal(
    JSON.parse(fs.readFileSync(vaultFile, 'utf8')).wrappedKey,
    after.wrappedKey,
    'no re-wrap when not asked',
  );
});

test('AIRLOCK_SECRET_BACKEND=passphrase bypasses safeStorage entirely', async (t) => {
  const home = tempHome(t);
  const fake = new FakeSafeStorage('basic_text');
  const { vault, warning } = await openDesktopVault({
    env: { AIRLOCK_SECRET_BACKEND: 'passphrase', AIRLOCK_PASSPHRASE: 'correct horse battery staple' },
    home,
    vaultFile: path.join(home, 'vault.json'),
    safeStorage: fake,
    platform: 'linux',
    askWhenInsecure: async () => assert.fail('not asked'),
  });
  assert.equal(vault.backend, 'passphrase');
  assert.equal(warning, null);
  await vault.close();
});
