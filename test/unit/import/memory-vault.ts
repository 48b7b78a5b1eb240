import type { Vault, VaultRecordInfo } from '../../../src/vault/vault.ts';

/** A plain in-memory Vault for tests; `failOn` makes one record's write fail. */
export class MemoryVault implements Vault {
  readonly backend = 'memory' as const;
  readonly records = new Map<string, string>();
  failOn: string | undefined;

  async get(name: string): Promise<string | undefined> {
    return this.records.get(name);
  }
  async set(name: string, value: string): Promise<void> {
    if (name === this.failOn) throw new Error('disk full');
    this.records.set(name, value);
  }
  async delete(name: string): Promise<boolean> {
    return this.records.delete(name);
  }
  async list(prefix = ''): Promise<VaultRecordInfo[]> {
    return [...this.records.keys()]
      .filter((name) => name.startsWith(prefix))
      .map((name) => ({ name, updatedAt: new Date(0).toISOString() }));
  }
  async reload(): Promise<string[]> {
    return [];
  }
  onChange(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}
