import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createCipher } from '../../../src/vault/select-cipher.ts';
import { openVault } from '../../../src/vault/file-vault.ts';
import type { SecretCipher } from '../../../src/vault/secret-cipher.ts';
import { FAST_SCRYPT, rejectsWithCode, tempHome } from './helpers.ts';

const home = '/tmp/airlock-select-test';

test('AIRLOCK_SECRET_BACKEND picks the backend; keyring is the headless default', () => {
  assert.equal(createCipher({ env: {}, home }).backend, 'keyring');
  assert.equal(createCipher({ env: { AIRLOCK_SECRET_BACKEND: 'memory' }, home }).backend, 'memory');
  assert.equal(
    createCipher({ env: { AIRLOCK_SECRET_BACKEND: 'passphrase', AIRLOCK_PASSPHRASE: 'p' }, home }).backend,
    'passphrase',
  );
  assert.equal(createCipher({ backend: 'memory', env: { AIRLOCK_SECRET_BACKEND: 'keyring' }, home }).backend, 'memory');
});

test('the desktop app passes its safe-storage cipher, which becomes the default', () => {
  const safeStorage: SecretCipher = { backend: 'safe-storage', encrypt: async (b) => b, decrypt: async (b) => b };
  assert.equal(createCipher({ env: {}, home, safeStorage }), safeStorage);
  assert.equal(createCipher({ env: { AIRLOCK_SECRET_BACKEND: 'keyring' }, home, safeStorage }).backend, 'keyring');
  assert.throws(
    () => createCipher({ env: { AIRLOCK_SECRET_BACKEND: 'safe-storage' }, home }),
    (error: Error & { code?: string }) => error.code === 'SAFE_STORAGE_UNAVAILABLE',
  );
});

test('an unknown backend (there is no plaintext one) is refused with the allowed list', () => {
  for (const value of ['plaintext', 'none', 'file']) {
    assert.throws(
      () => createCipher({ env: { AIRLOCK_SECRET_BACKEND: value }, home }),
      (error: Error & { code?: string }) =>
        error.code === 'VAULT_BACKEND_UNKNOWN' && /keyring, passphrase, safe-storage, memory/.test(error.message),
    );
  }
});

test('the passphrase backend needs AIRLOCK_PASSPHRASE, which is never echoed', () => {
  assert.throws(
    () => createCipher({ env: { AIRLOCK_SECRET_BACKEND: 'passphrase' }, home }),
    (error: Error & { code?: string }) => error.code === 'VAULT_PASSPHRASE_MISSING',
  );
});

test('a passphrase vault chosen through the environment opens only with that passphrase', async (t) => {
  const file = path.join(tempHome(t), 'vault.json');
  const env = { AIRLOCK_SECRET_BACKEND: 'passphrase', AIRLOCK_PASSPHRASE: 'first' };
  const vault = await openVault({ file, cipher: createCipher({ env, home, scryptParams: FAST_SCRYPT }) });
  await vault.set('secret/A', 'a');
  await vault.close();
  const error = await rejectsWithCode(
    openVault({ file, cipher: createCipher({ env: { ...env, AIRLOCK_PASSPHRASE: 'second' }, home }) }),
    'VAULT_WRONG_PASSPHRASE',
  );
  assert.equal(error.message.includes('second') || error.message.includes('first'), false);
});
