/**
 * Opens the desktop app's vault: the `safe-storage` backend by default, whatever
 * `AIRLOCK_SECRET_BACKEND` names otherwise. When safeStorage cannot be trusted (Linux
 * `basic_text`, no keychain) the user is asked: memory-only secrets for this run, or quit (and
 * restart with the passphrase backend). Nothing ever falls back to plaintext.
 */
import { AirlockError, describeError } from '../src/errors.ts';
import { createCipher } from '../src/vault/select-cipher.ts';
import { openVault } from '../src/vault/file-vault.ts';
import type { Vault } from '../src/vault/vault.ts';
import { checkSafeStorage, SafeStorageCipher, type SafeStorageLike } from './safe-storage-cipher.ts';
import { rewrapVaultKey } from './vault-rewrap.ts';

export type InsecureChoice = 'memory' | 'quit';

export interface DesktopVaultOptions {
  env: Record<string, string | undefined>;
  home: string;
  vaultFile: string;
  safeStorage: SafeStorageLike;
  platform?: NodeJS.Platform;
  /** Tells the user why safeStorage is refused; resolves with their choice. */
  askWhenInsecure: (reason: string) => Promise<InsecureChoice>;
  onError?: (message: string) => void;
}

export interface DesktopVault {
  vault: Vault;
  /** Shown on the dashboard (`StatusView.vaultWarning`) while it applies. */
  warning: string | null;
}

export async function openDesktopVault(options: DesktopVaultOptions): Promise<DesktopVault> {
  const chosen = options.env.AIRLOCK_SECRET_BACKEND?.trim();
  if (chosen && chosen !== 'safe-storage') {
    const cipher = createCipher({ env: options.env, home: options.home });
    return { vault: await openVault({ file: options.vaultFile, cipher }), warning: memoryWarning(cipher.backend) };
  }

  const check = await checkSafeStorage(options.safeStorage, options.platform);
  if (!check.ok) {
    const choice = await options.askWhenInsecure(check.reason);
    if (choice !== 'memory') throw new AirlockError('SAFE_STORAGE_INSECURE', check.reason);
    const cipher = createCipher({ backend: 'memory', env: options.env, home: options.home });
    return {
      vault: await openVault({ file: options.vaultFile, cipher }),
      warning: `${check.reason} ${memoryWarning('memory')}`,
    };
  }

  const rewraps: { sealed: Buffer; rewrapped: Buffer }[] = [];
  const safeStorage = new SafeStorageCipher(options.safeStorage, {
    ...(options.platform ? { platform: options.platform } : {}),
    onReEncrypt: (sealed, rewrapped) => rewraps.push({ sealed, rewrapped }),
  });
  const cipher = createCipher({ env: options.env, home: options.home, safeStorage, defaultBackend: 'safe-storage' });
  const vault = await openVault({ file: options.vaultFile, cipher });
  for (const { sealed, rewrapped } of rewraps.splice(0)) {
    await rewrapVaultKey(options.vaultFile, sealed, rewrapped).catch((error: unknown) =>
      options.onError?.(`could not re-wrap the vault key: ${describeError(error)}`),
    );
  }
  return { vault, warning: null };
}

function memoryWarning(backend: string): string | null {
  return backend === 'memory'
    ? 'Secrets are kept in memory only: nothing you store is saved, and everything is forgotten when Airlock quits.'
    : null;
}
