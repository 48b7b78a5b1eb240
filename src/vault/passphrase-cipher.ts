import crypto from 'node:crypto';
import { AirlockError, misuse } from '../errors.ts';
import { KEY_BYTES, open, seal } from './aes-gcm.ts';
import type { SecretCipher } from './secret-cipher.ts';

/** scrypt cost parameters; stored in every sealed blob so they can be raised later without breaking old vaults. */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

/** N=2^15, r=8, p=1: about 32 MiB and a few tens of milliseconds per derivation. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { logN: 15, r: 8, p: 1 };

/** Blob layout: `format (1) | logN (1) | r (u16 BE) | p (u16 BE) | salt (16) | AES-GCM sealed key`. */
const BLOB_FORMAT = 1;
const SALT_BYTES = 16;
const HEADER_BYTES = 1 + 1 + 2 + 2 + SALT_BYTES;
// Bounds on what a (possibly hostile) vault file may ask us to compute.
const MAX_LOG_N = 22;
const MAX_R = 32;
const MAX_P = 16;

/**
 * The `passphrase` backend: the data key is wrapped with a key derived from a passphrase
 * (`AIRLOCK_PASSPHRASE`) by scrypt, with a random salt per wrap.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7914 (scrypt)
 */
export class PassphraseCipher implements SecretCipher {
  readonly backend = 'passphrase' as const;
  readonly #passphrase: string;
  readonly #params: ScryptParams;

  constructor(passphrase: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS) {
    if (typeof passphrase !== 'string' || passphrase.length === 0) {
      throw misuse('VAULT_PASSPHRASE_EMPTY', 'PassphraseCipher needs a non-empty passphrase');
    }
    checkParams(params, misuseParams);
    this.#passphrase = passphrase;
    this.#params = { ...params };
  }

  async encrypt(plain: Buffer): Promise<Buffer> {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(BLOB_FORMAT, 0);
    header.writeUInt8(this.#params.logN, 1);
    header.writeUInt16BE(this.#params.r, 2);
    header.writeUInt16BE(this.#params.p, 4);
    crypto.randomBytes(SALT_BYTES).copy(header, 6);
    const key = await deriveKey(this.#passphrase, header.subarray(6), this.#params);
    try {
      return Buffer.concat([header, seal(key, header, plain)]);
    } finally {
      key.fill(0);
    }
  }

  async decrypt(sealed: Buffer): Promise<Buffer> {
    if (sealed.length <= HEADER_BYTES || sealed[0] !== BLOB_FORMAT) {
      throw new AirlockError(
        'VAULT_CORRUPT',
        'The vault key is not in the passphrase format this version understands.',
      );
    }
    const header = sealed.subarray(0, HEADER_BYTES);
    const params: ScryptParams = { logN: header.readUInt8(1), r: header.readUInt16BE(2), p: header.readUInt16BE(4) };
    checkParams(params, () => new AirlockError('VAULT_CORRUPT', 'The vault key has scrypt parameters out of range.'));
    const key = await deriveKey(this.#passphrase, header.subarray(6), params);
    try {
      const plain = open(key, header, sealed.subarray(HEADER_BYTES));
      if (!plain) {
        throw new AirlockError(
          'VAULT_WRONG_PASSPHRASE',
          'AIRLOCK_PASSPHRASE does not open this vault. Set the passphrase the vault was created with.',
        );
      }
      return plain;
    } finally {
      key.fill(0);
    }
  }
}

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  // Node refuses above `maxmem` (32 MiB by default, exactly N=2^15,r=8): leave headroom.
  const maxmem = 256 * N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    crypto.scrypt(
      passphrase.normalize('NFC'),
      salt,
      KEY_BYTES,
      { N, r: params.r, p: params.p, maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

function checkParams(params: ScryptParams, fail: () => Error): void {
  const ok =
    Number.isInteger(params.logN) &&
    params.logN >= 1 &&
    params.logN <= MAX_LOG_N &&
    Number.isInteger(params.r) &&
    params.r >= 1 &&
    params.r <= MAX_R &&
    Number.isInteger(params.p) &&
    params.p >= 1 &&
    params.p <= MAX_P;
  if (!ok) throw fail();
}

function misuseParams(): Error {
  return misuse(
    'VAULT_SCRYPT_PARAMS',
    `scrypt parameters out of range (logN 1..${MAX_LOG_N}, r 1..${MAX_R}, p 1..${MAX_P})`,
  );
}
