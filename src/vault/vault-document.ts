import { AirlockError, quote } from '../errors.ts';
import { isVaultBackendName } from './backend-names.ts';
import type { VaultBackendName } from './vault.ts';
import { isPlainObject } from '../util/plain-object.ts';

/**
 * The vault file's content, and how to read, check, migrate and write it.
 *
 * ```json
 * { "format": "airlock-vault", "version": 1, "backend": "keyring", "wrappedKey": "<base64>",
 *   "records": { "secret/GITHUB": { "sealed": "<base64>", "updatedAt": "2025-01-01T00:00:00.000Z" } } }
 * ```
 */
export const VAULT_FORMAT = 'airlock-vault';
export const VAULT_VERSION = 1;

export interface VaultRecordEntry {
  /** base64 of an AES-GCM sealed value (see aes-gcm.ts), bound to the record's name. */
  sealed: string;
  updatedAt: string;
}

export interface VaultDocument {
  version: typeof VAULT_VERSION;
  backend: VaultBackendName;
  /** base64 of the data key as wrapped by the backend's SecretCipher. */
  wrappedKey: string;
  /** A Map, so a record named like `__proto__` is just a record. */
  records: Map<string, VaultRecordEntry>;
}

type RawObject = Record<string, unknown>;

/**
 * Upgrades a parsed document of version N to N+1, keyed by N. Empty while version 1 is the
 * only one; a later format adds `1: (doc) => ...` here and bumps VAULT_VERSION.
 */
const MIGRATIONS: Record<number, (doc: RawObject) => RawObject> = {};

export function newVaultDocument(backend: VaultBackendName, wrappedKey: Buffer): VaultDocument {
  return { version: VAULT_VERSION, backend, wrappedKey: wrappedKey.toString('base64'), records: new Map() };
}

/** Parses and checks the file's text; throws `VAULT_CORRUPT` or `VAULT_VERSION_UNSUPPORTED`, never writes. */
export function parseVaultDocument(text: string, file: string): VaultDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt(file, 'it is not JSON');
  }
  if (!isPlainObject(raw) || raw.format !== VAULT_FORMAT) throw corrupt(file, `it is not an ${VAULT_FORMAT} file`);
  return checkShape(migrate(raw, file), file);
}

/** Brings an older format up to {@link VAULT_VERSION} in memory; the file is rewritten only on the next write. */
export function migrate(raw: RawObject, file: string): RawObject {
  let doc = raw;
  let version = doc.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw corrupt(file, 'its version is invalid');
  if (version > VAULT_VERSION) {
    throw new AirlockError(
      'VAULT_VERSION_UNSUPPORTED',
      `The vault file ${quote(file)} has format version ${version}, newer than this Airlock understands ` +
        `(${VAULT_VERSION}). Update Airlock; the file was left untouched.`,
    );
  }
  while (version < VAULT_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) throw corrupt(file, `no upgrade from version ${version}`);
    doc = step(doc);
    version += 1;
    doc.version = version;
  }
  return doc;
}

function checkShape(raw: RawObject, file: string): VaultDocument {
  const { backend, wrappedKey, records } = raw;
  if (typeof backend !== 'string' || !isVaultBackendName(backend)) throw corrupt(file, 'its backend is unknown');
  if (typeof wrappedKey !== 'string' || !isBase64(wrappedKey)) throw corrupt(file, 'its wrapped key is missing');
  if (!isPlainObject(records)) throw corrupt(file, 'it has no records');
  const map = new Map<string, VaultRecordEntry>();
  for (const [name, entry] of Object.entries(records)) {
    // A record whose bytes are damaged is still a record: get() reports it by name. Only a
    // record that is not even shaped like one makes the file unreadable.
    if (!isPlainObject(entry) || typeof entry.sealed !== 'string' || typeof entry.updatedAt !== 'string') {
      throw corrupt(file, `its record ${quote(name)} is malformed`);
    }
    map.set(name, { sealed: entry.sealed, updatedAt: entry.updatedAt });
  }
  return { version: VAULT_VERSION, backend, wrappedKey, records: map };
}

export function serializeVaultDocument(doc: VaultDocument): string {
  const records = Object.fromEntries(
    [...doc.records].map(([name, r]) => [name, { sealed: r.sealed, updatedAt: r.updatedAt }]),
  );
  const body = {
    format: VAULT_FORMAT,
    version: doc.version,
    backend: doc.backend,
    wrappedKey: doc.wrappedKey,
    records,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** Names added, removed, or whose sealed value or timestamp differ between two versions of the file. */
export function changedRecordNames(before: VaultDocument | undefined, after: VaultDocument | undefined): string[] {
  const a = before?.records ?? new Map<string, VaultRecordEntry>();
  const b = after?.records ?? new Map<string, VaultRecordEntry>();
  const changed = new Set<string>();
  for (const [name, entry] of a) {
    const other = b.get(name);
    if (!other || other.sealed !== entry.sealed || other.updatedAt !== entry.updatedAt) changed.add(name);
  }
  for (const name of b.keys()) if (!a.has(name)) changed.add(name);
  return [...changed].sort();
}

function corrupt(file: string, why: string): AirlockError {
  return new AirlockError(
    'VAULT_CORRUPT',
    `The vault file ${quote(file)} is damaged (${why}). It was left untouched; restore it from a backup, ` +
      'or move it aside to start a new vault.',
  );
}

function isBase64(value: string): boolean {
  return value.length > 0 && Buffer.from(value, 'base64').toString('base64') === value;
}
