import crypto from 'node:crypto';
import { AirlockError, misuse, quote } from '../errors.ts';

/**
 * AES-256-GCM sealing for vault records and wrapped keys.
 *
 * Sealed layout: `version (1 byte) | nonce (12) | ciphertext | tag (16)`. The version byte
 * and the caller's associated data are authenticated, so a record moved under another name,
 * or a blob with its version byte changed, fails to open.
 *
 * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf (GCM, SP 800-38D)
 */
export const SEAL_VERSION = 1;
export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;

/** Seals `plain` under `key`, binding `aad`. A fresh random nonce each call. */
export function seal(key: Buffer, aad: Buffer, plain: Buffer): Buffer {
  checkKey(key);
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const version = Buffer.from([SEAL_VERSION]);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([version, aad]));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([version, nonce, body, cipher.getAuthTag()]);
}

/** Opens what {@link seal} made with the same key and `aad`; `undefined` when it does not authenticate. */
export function open(key: Buffer, aad: Buffer, sealed: Buffer): Buffer | undefined {
  checkKey(key);
  if (sealed.length < HEADER_BYTES + TAG_BYTES || sealed[0] !== SEAL_VERSION) return undefined;
  const nonce = sealed.subarray(1, HEADER_BYTES);
  const body = sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([sealed.subarray(0, 1), aad]));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** Associated data for a record: its name, so ciphertext cannot be moved to another name. */
function recordAad(name: string): Buffer {
  return Buffer.from(`airlock-vault-record\0${name}`, 'utf8');
}

/** Seals one vault record's value under the data key, bound to the record's name. */
export function sealRecord(key: Buffer, name: string, plaintext: string): Buffer {
  return seal(key, recordAad(name), Buffer.from(plaintext, 'utf8'));
}

/** Opens one vault record; throws `VAULT_RECORD_UNREADABLE` naming it when it was tampered with or moved. */
export function openRecord(key: Buffer, name: string, sealed: Buffer): string {
  const plain = open(key, recordAad(name), sealed);
  if (!plain) {
    throw new AirlockError(
      'VAULT_RECORD_UNREADABLE',
      `Vault record ${quote(name)} cannot be decrypted: it was altered or copied from another record. ` +
        'It is left as it is; set it again or delete it.',
    );
  }
  return plain.toString('utf8');
}

/** A new random 256-bit key. */
export function randomKey(): Buffer {
  return crypto.randomBytes(KEY_BYTES);
}

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES)
    throw misuse('VAULT_KEY_SIZE', 'AES-256-GCM needs a 32-byte key');
}
