/**
 * The vault: every credential Airlock holds, encrypted at rest, in one file.
 *
 * Record names are namespaced by what they hold:
 *   `secret/NAME`        a user secret referenced as `${secret:NAME}`
 *   `client/NAME`        a client's key hash and grant (JSON)
 *   `oauth/...`          upstream OAuth tokens and client registrations (JSON)
 *   `as/...`             Airlock's own authorization-server state (JSON)
 */
export type VaultBackendName = 'safe-storage' | 'keyring' | 'passphrase' | 'memory';

export interface VaultRecordInfo {
  name: string;
  /** ISO timestamp of the last write. */
  updatedAt: string;
}

export interface Vault {
  readonly backend: VaultBackendName;
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  /** Returns false when there was no such record. */
  delete(name: string): Promise<boolean>;
  list(prefix?: string): Promise<VaultRecordInfo[]>;
  /** Re-reads the file (another process, e.g. the CLI, may have written it); returns the names that changed. */
  reload(): Promise<string[]>;
  /** Called with the record names that changed, after a write here or a reload. */
  onChange(listener: (names: string[]) => void): () => void;
  close(): Promise<void>;
}
