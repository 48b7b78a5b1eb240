import { AirlockError, misuse, quote } from '../errors.ts';
import { VAULT_BACKENDS, isVaultBackendName } from './backend-names.ts';
import { KeyringCipher, type KeyringEntryFactory } from './keyring-cipher.ts';
import { MemoryCipher } from './memory-cipher.ts';
import { PassphraseCipher, type ScryptParams } from './passphrase-cipher.ts';
import type { SecretCipher } from './secret-cipher.ts';
import type { VaultBackendName } from './vault.ts';

export { VAULT_BACKENDS, isVaultBackendName };

export interface CreateCipherOptions {
  /** An explicit choice (e.g. from a flag); wins over `AIRLOCK_SECRET_BACKEND`. */
  backend?: string;
  /** Reads `AIRLOCK_SECRET_BACKEND` and `AIRLOCK_PASSPHRASE`. */
  env: Record<string, string | undefined>;
  /** The data directory (keys the keyring entry). */
  home: string;
  /** The desktop app's Electron safeStorage adapter; absent headless. */
  safeStorage?: SecretCipher;
  /** Used when nothing is chosen: 'safe-storage' when `safeStorage` is given, else 'keyring'. */
  defaultBackend?: VaultBackendName;
  /** Test seams. */
  keyringEntryFactory?: KeyringEntryFactory;
  scryptParams?: ScryptParams;
}

/** Picks the vault backend: explicit choice, else `AIRLOCK_SECRET_BACKEND`, else the default. */
export function createCipher(options: CreateCipherOptions): SecretCipher {
  if (options.safeStorage && options.safeStorage.backend !== 'safe-storage') {
    throw misuse('VAULT_SAFE_STORAGE_BACKEND', "the safeStorage cipher must have backend 'safe-storage'");
  }
  const chosen = (options.backend ?? options.env.AIRLOCK_SECRET_BACKEND ?? '').trim();
  const name = chosen || options.defaultBackend || (options.safeStorage ? 'safe-storage' : 'keyring');
  if (!isVaultBackendName(name)) {
    throw new AirlockError(
      'VAULT_BACKEND_UNKNOWN',
      `Unknown secret backend ${quote(name)} in AIRLOCK_SECRET_BACKEND. Use one of: ${VAULT_BACKENDS.join(', ')}.`,
    );
  }
  switch (name) {
    case 'keyring':
      return new KeyringCipher({ home: options.home, entryFactory: options.keyringEntryFactory });
    case 'passphrase': {
      const passphrase = options.env.AIRLOCK_PASSPHRASE;
      if (!passphrase) {
        throw new AirlockError(
          'VAULT_PASSPHRASE_MISSING',
          'AIRLOCK_SECRET_BACKEND=passphrase needs the passphrase in the AIRLOCK_PASSPHRASE environment variable.',
        );
      }
      return new PassphraseCipher(passphrase, options.scryptParams);
    }
    case 'memory':
      return new MemoryCipher();
    case 'safe-storage':
      if (!options.safeStorage) {
        throw new AirlockError(
          'SAFE_STORAGE_UNAVAILABLE',
          "The 'safe-storage' backend exists only inside the desktop app. Headless, use keyring or passphrase.",
        );
      }
      return options.safeStorage;
  }
}
