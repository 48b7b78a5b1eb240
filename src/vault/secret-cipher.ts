import type { VaultBackendName } from './vault.ts';

/**
 * Wraps and unwraps the vault's random 256-bit data key. Each backend keeps its own master
 * secret (an OS keyring entry, a passphrase, Electron safeStorage, process memory); the vault
 * only ever stores what `encrypt` returns.
 *
 * `decrypt` rejects with an {@link AirlockError} when the sealed bytes do not open with this
 * backend's secret (wrong passphrase, another keyring entry...), never with garbage.
 */
export interface SecretCipher {
  readonly backend: VaultBackendName;
  encrypt(plain: Buffer): Promise<Buffer>;
  decrypt(sealed: Buffer): Promise<Buffer>;
}
