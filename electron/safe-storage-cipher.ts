/**
 * The `safe-storage` vault backend: the vault's data key wrapped by Electron's safeStorage
 * (Keychain on macOS, DPAPI on Windows, libsecret or KWallet on Linux).
 *
 * On Linux, safeStorage falls back to `basic_text` (a hard-coded key) when no secret service is
 * found, and reports `unknown` before the app is ready: neither protects anything, so this
 * adapter refuses to wrap or unwrap with them (fail closed; there is no plaintext fallback).
 *
 * @see https://www.electronjs.org/docs/latest/api/safe-storage
 */
import { AirlockError } from '../src/errors.ts';
import type { SecretCipher } from '../src/vault/secret-cipher.ts';

/** The part of Electron's `safeStorage` used here (the real module fits; tests pass fakes). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }>;
  getSelectedStorageBackend(): string;
}

/** Linux backends that keep the key in a real secret store. */
export const SECURE_LINUX_BACKENDS: readonly string[] = ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'];

export type SafeStorageCheck = { ok: true; backend: string } | { ok: false; backend: string; reason: string };

/** What the user is told when safeStorage cannot be trusted, and what they can do instead. */
export function insecureSafeStorageMessage(backend: string): string {
  const what =
    backend === 'basic_text'
      ? 'no system keyring (Secret Service or KWallet) was found, so Electron would protect secrets with a fixed, publicly known key'
      : `the system keyring is not available (Electron reports ${JSON.stringify(backend)})`;
  return (
    `Airlock will not store secrets on this machine as they are: ${what}. ` +
    'Install and unlock a keyring (e.g. gnome-keyring or KWallet) and restart Airlock, or start it with ' +
    'AIRLOCK_SECRET_BACKEND=passphrase and AIRLOCK_PASSPHRASE set, or use memory-only secrets ' +
    '(AIRLOCK_SECRET_BACKEND=memory: nothing is saved, everything is forgotten when Airlock quits).'
  );
}

/**
 * Whether safeStorage can be used. Call only after the app's `ready` event: before it, Linux
 * reports `unknown` (and is refused).
 */
export async function checkSafeStorage(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): Promise<SafeStorageCheck> {
  const available = await safeStorage.isAsyncEncryptionAvailable().catch(() => false);
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend() : platform;
  if (platform === 'linux' && !SECURE_LINUX_BACKENDS.includes(backend)) {
    return { ok: false, backend, reason: insecureSafeStorageMessage(backend) };
  }
  if (!available) {
    return {
      ok: false,
      backend,
      reason:
        'The system keychain is not available to Airlock. Unlock it and restart Airlock, or use ' +
        'AIRLOCK_SECRET_BACKEND=passphrase (with AIRLOCK_PASSPHRASE) or AIRLOCK_SECRET_BACKEND=memory.',
    };
  }
  return { ok: true, backend };
}

export interface SafeStorageCipherOptions {
  platform?: NodeJS.Platform;
  /**
   * Called when safeStorage says a wrapped key should be wrapped again (its key was rotated, or a
   * stronger one is available): `sealed` is what it unwrapped, `rewrapped` the fresh wrapping.
   */
  onReEncrypt?: (sealed: Buffer, rewrapped: Buffer) => void;
}

/** Key material crosses safeStorage's string API as base64, so binary keys survive intact. */
export class SafeStorageCipher implements SecretCipher {
  readonly backend = 'safe-storage' as const;
  readonly #safeStorage: SafeStorageLike;
  readonly #platform: NodeJS.Platform;
  readonly #onReEncrypt: ((sealed: Buffer, rewrapped: Buffer) => void) | undefined;

  constructor(safeStorage: SafeStorageLike, options: SafeStorageCipherOptions = {}) {
    this.#safeStorage = safeStorage;
    this.#platform = options.platform ?? process.platform;
    this.#onReEncrypt = options.onReEncrypt;
  }

  async encrypt(plain: Buffer): Promise<Buffer> {
    await this.#assertSecure();
    try {
      return await this.#safeStorage.encryptStringAsync(plain.toString('base64'));
    } catch {
      throw new AirlockError('SAFE_STORAGE_FAILED', 'The system keychain refused to encrypt the vault key.');
    }
  }

  async decrypt(sealed: Buffer): Promise<Buffer> {
    await this.#assertSecure();
    let opened: { shouldReEncrypt: boolean; result: string };
    try {
      opened = await this.#safeStorage.decryptStringAsync(sealed);
    } catch {
      throw new AirlockError(
        'VAULT_KEY_MISMATCH',
        'The system keychain could not decrypt the vault key (another user, machine or keychain made it).',
      );
    }
    const plain = Buffer.from(opened.result, 'base64');
    if (plain.length === 0 || plain.toString('base64') !== opened.result) {
      throw new AirlockError('VAULT_KEY_MISMATCH', 'The system keychain returned something that is not a vault key.');
    }
    if (opened.shouldReEncrypt && this.#onReEncrypt) {
      const rewrapped = await this.encrypt(plain);
      this.#onReEncrypt(Buffer.from(sealed), rewrapped);
    }
    return plain;
  }

  async #assertSecure(): Promise<void> {
    const check = await checkSafeStorage(this.#safeStorage, this.#platform);
    if (!check.ok) throw new AirlockError('SAFE_STORAGE_INSECURE', check.reason);
  }
}
