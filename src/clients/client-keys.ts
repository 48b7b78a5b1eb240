import crypto from 'node:crypto';
import { AirlockError, quote } from '../errors.ts';
import { NAME_PATTERN } from '../config/schema.ts';
import type { Vault } from '../vault/vault.ts';
import type { ClientAuthenticator, ClientGrant } from './client-grant.ts';

const RECORD_PREFIX = 'client/';
const KEY_PREFIX = 'alk_';

export interface KeyClientRecord {
  name: string;
  /** SHA-256 of the key, hex. The key is 256 random bits, so a fast hash is enough. */
  keyHash: string;
  servers: '*' | string[];
  createdAt: string;
}

export function hashKey(key: string): string {
  // The one-shot form: this runs on every MCP request, and a Hash object per call showed in profiles.
  return crypto.hash('sha256', key, 'hex');
}

function isRecord(value: unknown): value is KeyClientRecord {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === 'string' &&
    typeof v.keyHash === 'string' &&
    typeof v.createdAt === 'string' &&
    (v.servers === '*' || (Array.isArray(v.servers) && v.servers.every((s) => typeof s === 'string')))
  );
}

/**
 * Static client keys, for MCP clients that cannot do OAuth. Only a hash of each key is kept, in
 * the vault; the key itself is shown once, when it is created.
 */
export class ClientKeys implements ClientAuthenticator {
  private readonly vault: Vault;
  private byHash = new Map<string, ClientGrant>();
  private readonly revokeListeners = new Set<(ids: string[]) => void>();

  constructor(vault: Vault) {
    this.vault = vault;
  }

  /** Reloads the index from the vault; grants that disappeared or changed are reported as revoked. */
  async refresh(): Promise<void> {
    const next = new Map<string, ClientGrant>();
    for (const record of await this.list()) {
      next.set(record.keyHash, { id: `key:${record.name}`, name: record.name, kind: 'key', servers: record.servers });
    }
    const revoked: string[] = [];
    for (const [hash, grant] of this.byHash) {
      const now = next.get(hash);
      if (!now || JSON.stringify(now.servers) !== JSON.stringify(grant.servers)) revoked.push(grant.id);
    }
    this.byHash = next;
    if (revoked.length) for (const listener of this.revokeListeners) listener(revoked);
  }

  async list(): Promise<KeyClientRecord[]> {
    const out: KeyClientRecord[] = [];
    for (const info of await this.vault.list(RECORD_PREFIX)) {
      const raw = await this.vault.get(info.name).catch(() => undefined);
      if (!raw) continue;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (isRecord(parsed)) out.push(parsed);
      } catch {
        // An unreadable record is reported by `vault verify`; it grants nothing here.
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Creates a client and returns its key, which is not stored anywhere and cannot be shown again. */
  async add(name: string, servers: '*' | string[]): Promise<{ name: string; key: string }> {
    if (!NAME_PATTERN.test(name))
      throw new AirlockError('CLIENT_NAME_INVALID', `client name ${quote(name)} must match [a-z0-9-]{1,32}`);
    if (await this.vault.get(RECORD_PREFIX + name))
      throw new AirlockError('CLIENT_EXISTS', `client ${quote(name)} already exists; revoke it first`);
    const key = KEY_PREFIX + crypto.randomBytes(32).toString('base64url');
    const record: KeyClientRecord = { name, keyHash: hashKey(key), servers, createdAt: new Date().toISOString() };
    await this.vault.set(RECORD_PREFIX + name, JSON.stringify(record));
    await this.refresh();
    return { name, key };
  }

  async revoke(name: string): Promise<boolean> {
    const removed = await this.vault.delete(RECORD_PREFIX + name);
    await this.refresh();
    return removed;
  }

  authenticate(token: string): ClientGrant | undefined {
    if (!token.startsWith(KEY_PREFIX)) return undefined;
    return this.byHash.get(hashKey(token));
  }

  onRevoke(listener: (clientIds: string[]) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }
}
