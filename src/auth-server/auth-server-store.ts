/**
 * Airlock's authorization-server state in the vault (`as/...` records):
 *
 *   `as/client/<sha256(client_id)>`  a dynamically registered client (RFC 7591), no secret
 *   `as/grant/<id>`                  one grant: what the user approved for a client at one endpoint,
 *                                    with the hashes of its current access and refresh tokens
 *
 * Tokens are 256-bit random strings; only their SHA-256 is kept, so the vault (and a backup of
 * it) holds nothing a client could present. The CLI uses this class too (`client list/revoke`).
 */
import crypto from 'node:crypto';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Vault } from '../vault/vault.ts';

const CLIENT_PREFIX = 'as/client/';
const GRANT_PREFIX = 'as/grant/';

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export interface RegisteredClientRecord {
  client: OAuthClientInformationFull;
  registeredAt: string;
}

/** A grant and its token family: refresh rotation keeps the id, revocation deletes the record. */
export interface GrantRecord {
  id: string;
  clientId: string;
  /** As the client named itself (untrusted). */
  clientName: string;
  /** `registered` (DCR) or `metadata-document` (CIMD: client_id is an https URL). */
  clientSource: 'registered' | 'metadata-document';
  servers: string[];
  /** The canonical resource (RFC 8707) the tokens are bound to. */
  audience: string;
  redirectUri: string;
  accessHash: string;
  /** Epoch ms. */
  accessExpiresAt: number;
  refreshHash: string;
  refreshExpiresAt: number;
  /** Refresh tokens already rotated out: presenting one again revokes the grant (OAuth 2.1 §4.3.1). */
  previousRefreshHashes: string[];
  createdAt: string;
  refreshedAt: string;
}

/** What `client list` and the admin API show for one OAuth client. */
export interface OAuthClientSummary {
  kind: 'oauth';
  clientId: string;
  name: string;
  /** The name is the client's own claim, not verified by anyone. */
  nameVerified: false;
  source: 'registered' | 'metadata-document';
  /** Union of the servers of its live grants. */
  servers: string[];
  /** The endpoints it holds tokens for. */
  endpoints: string[];
  redirectUris: string[];
  grants: number;
  registeredAt?: string;
  lastSignIn?: string;
}

function clientRecordName(clientId: string): string {
  return CLIENT_PREFIX + hashToken(clientId).slice(0, 40);
}

function parseJson<T>(raw: string | undefined, check: (value: unknown) => value is T): T | undefined {
  if (raw === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return check(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isClientRecord(value: unknown): value is RegisteredClientRecord {
  if (!value || typeof value !== 'object') return false;
  const v = value as { client?: { client_id?: unknown; redirect_uris?: unknown }; registeredAt?: unknown };
  return (
    typeof v.registeredAt === 'string' &&
    typeof v.client?.client_id === 'string' &&
    Array.isArray(v.client.redirect_uris)
  );
}

function isGrantRecord(value: unknown): value is GrantRecord {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.clientId === 'string' &&
    typeof v.clientName === 'string' &&
    typeof v.audience === 'string' &&
    typeof v.accessHash === 'string' &&
    typeof v.refreshHash === 'string' &&
    typeof v.accessExpiresAt === 'number' &&
    typeof v.refreshExpiresAt === 'number' &&
    Array.isArray(v.servers) &&
    v.servers.every((s) => typeof s === 'string') &&
    Array.isArray(v.previousRefreshHashes)
  );
}

export class AuthServerStore {
  readonly #vault: Vault;

  constructor(vault: Vault) {
    this.#vault = vault;
  }

  async getClient(clientId: string): Promise<RegisteredClientRecord | undefined> {
    const record = parseJson(await this.#vault.get(clientRecordName(clientId)).catch(() => undefined), isClientRecord);
    return record?.client.client_id === clientId ? record : undefined;
  }

  async saveClient(record: RegisteredClientRecord): Promise<void> {
    await this.#vault.set(clientRecordName(record.client.client_id), JSON.stringify(record));
  }

  async listClients(): Promise<RegisteredClientRecord[]> {
    const out: RegisteredClientRecord[] = [];
    for (const info of await this.#vault.list(CLIENT_PREFIX)) {
      // An unreadable record is reported by `vault verify`; it registers nothing here.
      const record = parseJson(await this.#vault.get(info.name).catch(() => undefined), isClientRecord);
      if (record) out.push(record);
    }
    return out;
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return this.#vault.delete(clientRecordName(clientId));
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    return parseJson(await this.#vault.get(GRANT_PREFIX + id).catch(() => undefined), isGrantRecord);
  }

  async saveGrant(grant: GrantRecord): Promise<void> {
    await this.#vault.set(GRANT_PREFIX + grant.id, JSON.stringify(grant));
  }

  async deleteGrant(id: string): Promise<boolean> {
    return this.#vault.delete(GRANT_PREFIX + id);
  }

  async listGrants(): Promise<GrantRecord[]> {
    const out: GrantRecord[] = [];
    for (const info of await this.#vault.list(GRANT_PREFIX)) {
      const grant = parseJson(await this.#vault.get(info.name).catch(() => undefined), isGrantRecord);
      if (grant) out.push(grant);
    }
    return out;
  }

  /** Every OAuth client: registered ones (granted or not) and metadata-document clients holding a grant. */
  async summaries(now = Date.now()): Promise<OAuthClientSummary[]> {
    const byId = new Map<string, OAuthClientSummary>();
    for (const { client, registeredAt } of await this.listClients()) {
      byId.set(client.client_id, {
        kind: 'oauth',
        clientId: client.client_id,
        name: client.client_name ?? client.client_id,
        nameVerified: false,
        source: 'registered',
        servers: [],
        endpoints: [],
        redirectUris: [...client.redirect_uris],
        grants: 0,
        registeredAt,
      });
    }
    for (const grant of await this.listGrants()) {
      if (grant.refreshExpiresAt <= now) continue;
      let summary = byId.get(grant.clientId);
      if (!summary) {
        summary = {
          kind: 'oauth',
          clientId: grant.clientId,
          name: grant.clientName,
          nameVerified: false,
          source: grant.clientSource,
          servers: [],
          endpoints: [],
          redirectUris: [],
          grants: 0,
        };
        byId.set(grant.clientId, summary);
      }
      summary.grants++;
      summary.servers = [...new Set([...summary.servers, ...grant.servers])].sort();
      const endpoint = new URL(grant.audience).pathname;
      if (!summary.endpoints.includes(endpoint)) summary.endpoints.push(endpoint);
      if (!summary.redirectUris.includes(grant.redirectUri)) summary.redirectUris.push(grant.redirectUri);
      if (!summary.lastSignIn || summary.lastSignIn < grant.createdAt) summary.lastSignIn = grant.createdAt;
    }
    return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name) || a.clientId.localeCompare(b.clientId));
  }

  /** Clients whose client_id is exactly `nameOrId`, or whose registered name is. */
  async find(nameOrId: string): Promise<OAuthClientSummary[]> {
    const all = await this.summaries();
    const byId = all.filter((c) => c.clientId === nameOrId);
    return byId.length ? byId : all.filter((c) => c.name === nameOrId);
  }

  /** Forgets a client: every grant (its tokens stop working) and its registration. Returns the grants removed. */
  async revokeClient(clientId: string): Promise<number> {
    let removed = 0;
    for (const grant of await this.listGrants()) {
      if (grant.clientId === clientId && (await this.deleteGrant(grant.id))) removed++;
    }
    await this.deleteClient(clientId);
    return removed;
  }
}
