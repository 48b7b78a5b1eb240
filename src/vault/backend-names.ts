import type { VaultBackendName } from './vault.ts';

/** Every vault backend there is. There is deliberately no plaintext one. */
export const VAULT_BACKENDS: readonly VaultBackendName[] = ['keyring', 'passphrase', 'safe-storage', 'memory'];

export function isVaultBackendName(value: string): value is VaultBackendName {
  return (VAULT_BACKENDS as readonly string[]).includes(value);
}
