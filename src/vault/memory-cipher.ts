import { AirlockError } from '../errors.ts';
import { open, randomKey, seal } from './aes-gcm.ts';
import type { SecretCipher } from './secret-cipher.ts';

const AAD = Buffer.from('airlock-vault-key\0memory', 'utf8');

/**
 * The `memory` backend: a random key that lives only in this process. Nothing it wraps can
 * be opened after a restart, so a vault on this backend never writes a file (see openVault).
 */
export class MemoryCipher implements SecretCipher {
  readonly backend = 'memory' as const;
  readonly #key = randomKey();

  async encrypt(plain: Buffer): Promise<Buffer> {
    return seal(this.#key, AAD, plain);
  }

  async decrypt(sealed: Buffer): Promise<Buffer> {
    const plain = open(this.#key, AAD, sealed);
    if (!plain) throw new AirlockError('VAULT_KEY_MISMATCH', 'This data was not sealed by this process’s memory key.');
    return plain;
  }
}
