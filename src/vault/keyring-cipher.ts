import path from 'node:path';
import { AirlockError, describeError, quote } from '../errors.ts';
import { KEY_BYTES, open, randomKey, seal } from './aes-gcm.ts';
import type { SecretCipher } from './secret-cipher.ts';

/** The keyring service every Airlock entry is filed under. */
export const KEYRING_SERVICE = 'Airlock';

/** The part of a keyring entry this backend uses (what `@napi-rs/keyring`'s `AsyncEntry` offers). */
export interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
}

/** Opens the keyring entry for (service, account); may throw when no keyring is reachable. */
export type KeyringEntryFactory = (service: string, account: string) => KeyringEntry | Promise<KeyringEntry>;

export interface KeyringCipherOptions {
  /** The data directory: each one gets its own master key, so two homes never share or clobber one. */
  home: string;
  /** Replaces the OS keyring, for tests of failure paths. */
  entryFactory?: KeyringEntryFactory;
}

const AAD = Buffer.from('airlock-vault-key\0keyring', 'utf8');

/** The keyring account holding the master key of the vault in `home`. */
export function keyringAccount(home: string): string {
  return `vault-master-key:${path.resolve(home)}`;
}

/**
 * The real OS keyring through `@napi-rs/keyring`. On Linux the entry is pinned to the Secret
 * Service: the default fallback (the kernel keyring) forgets everything at logout or reboot,
 * which would make the vault unreadable.
 */
export const osKeyringEntryFactory: KeyringEntryFactory = async (service, account) => {
  const { AsyncEntry } = await import('@napi-rs/keyring');
  return new AsyncEntry(service, account, { linux: { store: 'secret-service' } });
};

/**
 * The `keyring` backend: a random 256-bit master key kept in the OS keyring (Keychain,
 * Credential Manager, Secret Service), created on first use, wraps the vault's data key with
 * AES-256-GCM. If the keyring cannot be reached this fails with `KEYRING_UNAVAILABLE`; it never
 * falls back to storing anything in the clear.
 */
export class KeyringCipher implements SecretCipher {
  readonly backend = 'keyring' as const;
  readonly account: string;
  readonly #factory: KeyringEntryFactory;
  #key: Buffer | undefined;

  constructor(options: KeyringCipherOptions) {
    this.account = keyringAccount(options.home);
    this.#factory = options.entryFactory ?? osKeyringEntryFactory;
  }

  async encrypt(plain: Buffer): Promise<Buffer> {
    return seal(await this.#masterKey(true), AAD, plain);
  }

  async decrypt(sealed: Buffer): Promise<Buffer> {
    const plain = open(await this.#masterKey(false), AAD, sealed);
    if (!plain) {
      throw new AirlockError(
        'VAULT_KEY_MISMATCH',
        `The master key in the OS keyring (service ${quote(KEYRING_SERVICE)}, account ${quote(this.account)}) ` +
          'does not open this vault: the entry was replaced. Restore the original keyring entry, ' +
          'or move the vault file aside to start over.',
      );
    }
    return plain;
  }

  /** Reads the master key, creating it only when wrapping (never when opening an existing vault). */
  async #masterKey(create: boolean): Promise<Buffer> {
    if (this.#key) return this.#key;
    const entry = await this.#call(() => this.#factory(KEYRING_SERVICE, this.account));
    const stored = await this.#call(() => entry.getPassword());
    if (stored !== null) {
      this.#key = this.#parse(stored);
      return this.#key;
    }
    if (!create) {
      throw new AirlockError(
        'KEYRING_KEY_MISSING',
        `The vault's master key is not in the OS keyring (service ${quote(KEYRING_SERVICE)}, account ` +
          `${quote(this.account)}). It was deleted or the vault came from another machine or user. ` +
          'Restore the keyring entry, or move the vault file aside to start over.',
      );
    }
    const key = randomKey();
    await this.#call(() => entry.setPassword(key.toString('base64')));
    // Read back: a keyring that silently drops writes would otherwise lose every secret later.
    const check = await this.#call(() => entry.getPassword());
    if (check !== key.toString('base64')) {
      throw new AirlockError(
        'KEYRING_UNAVAILABLE',
        'The OS keyring did not keep the vault master key that was stored in it.',
      );
    }
    this.#key = key;
    return key;
  }

  #parse(stored: string): Buffer {
    const key = Buffer.from(stored, 'base64');
    if (key.length !== KEY_BYTES || key.toString('base64') !== stored) {
      throw new AirlockError(
        'KEYRING_KEY_INVALID',
        `The OS keyring entry (service ${quote(KEYRING_SERVICE)}, account ${quote(this.account)}) ` +
          'does not hold an Airlock master key.',
      );
    }
    return key;
  }

  async #call<T>(action: () => T | Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof AirlockError) throw error;
      throw new AirlockError(
        'KEYRING_UNAVAILABLE',
        `The OS keyring is not reachable (${quote(describeError(error))}). Unlock or start it (on Linux, a ` +
          'Secret Service such as gnome-keyring or KWallet), or choose another backend: ' +
          'AIRLOCK_SECRET_BACKEND=passphrase with AIRLOCK_PASSPHRASE set.',
        { cause: error },
      );
    }
  }
}
