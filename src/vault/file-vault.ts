import fs from 'node:fs';
import path from 'node:path';
import { AirlockError, misuse, quote } from '../errors.ts';
import { openRecord, randomKey, sealRecord, KEY_BYTES } from './aes-gcm.ts';
import type { SecretCipher } from './secret-cipher.ts';
import type { Vault, VaultBackendName, VaultRecordInfo } from './vault.ts';
import { changedRecordNames, newVaultDocument, type VaultDocument } from './vault-document.ts';
import type { FileLockOptions } from './vault-lock.ts';
import { FileVaultStore, MemoryVaultStore, type VaultStore } from './vault-store.ts';

export interface WatchOptions {
  /** Waits this long after the last change event before reloading (editors and renames come in bursts). */
  debounceMs?: number;
  /** Reload failures (a damaged file, a changed backend); the vault keeps its last good state. */
  onError?: (error: unknown) => void;
}

export interface OpenVaultOptions {
  file: string;
  cipher: SecretCipher;
  /** Reload by itself when another process writes the file. Off by default; stopped by close(). */
  watch?: boolean | WatchOptions;
  lock?: FileLockOptions;
}

const MAX_NAME_LENGTH = 1024;

/**
 * Opens the vault at `options.file` (created on the first write). Reads and checks the file and
 * unwraps its data key now, so a wrong passphrase or a changed backend fails here, before anything
 * is written. With the `memory` backend nothing is read from or written to disk at all.
 */
export async function openVault(options: OpenVaultOptions): Promise<FileVault> {
  return FileVault.open(options);
}

/**
 * The vault: records sealed with AES-256-GCM under a random data key; the data key is wrapped by
 * the backend's SecretCipher. Every write is a locked read-modify-write of the whole file, so the
 * CLI and the running gateway never lose each other's writes, and only the written record changes:
 * a damaged record is kept as it is and reported, never dropped or re-sealed.
 */
export class FileVault implements Vault {
  readonly backend: VaultBackendName;
  /** The vault file, or undefined for the memory backend. */
  readonly file: string | undefined;
  readonly #cipher: SecretCipher;
  readonly #store: VaultStore;
  readonly #listeners = new Set<(names: string[]) => void>();
  #doc: VaultDocument | undefined;
  #dataKey: Buffer | undefined;
  /** The wrappedKey that #dataKey was unwrapped from. */
  #dataKeyFor: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #stopWatching: (() => void) | undefined;
  #closed = false;

  private constructor(cipher: SecretCipher, store: VaultStore, file: string | undefined) {
    this.#cipher = cipher;
    this.backend = cipher.backend;
    this.#store = store;
    this.file = file;
  }

  static async open(options: OpenVaultOptions): Promise<FileVault> {
    const memory = options.cipher.backend === 'memory';
    const store = memory ? new MemoryVaultStore() : new FileVaultStore(options.file, options.lock);
    const vault = new FileVault(options.cipher, store, memory ? undefined : path.resolve(options.file));
    const doc = await store.read();
    if (doc) await vault.#accept(doc);
    vault.#doc = doc;
    if (options.watch && vault.file) {
      await fs.promises.mkdir(path.dirname(vault.file), { recursive: true, mode: 0o700 });
      vault.#stopWatching = watchVault(vault, vault.file, options.watch === true ? {} : options.watch);
    }
    return vault;
  }

  async get(name: string): Promise<string | undefined> {
    this.#checkOpen();
    checkName(name);
    const entry = this.#doc?.records.get(name);
    if (!entry) return undefined;
    return openRecord(this.#key(), name, Buffer.from(entry.sealed, 'base64'));
  }

  async set(name: string, value: string): Promise<void> {
    checkName(name);
    if (typeof value !== 'string') throw misuse('VAULT_VALUE', 'vault values are strings');
    await this.#write(async (current) => {
      const doc = current ?? (await this.#create());
      doc.records.set(name, {
        sealed: sealRecord(this.#key(), name, value).toString('base64'),
        updatedAt: new Date().toISOString(),
      });
      return doc;
    });
  }

  async delete(name: string): Promise<boolean> {
    checkName(name);
    let existed = false;
    await this.#write(async (current) => {
      existed = current?.records.delete(name) ?? false;
      return existed ? current : undefined;
    });
    return existed;
  }

  async list(prefix = ''): Promise<VaultRecordInfo[]> {
    this.#checkOpen();
    const out: VaultRecordInfo[] = [];
    for (const [name, entry] of this.#doc?.records ?? []) {
      if (name.startsWith(prefix)) out.push({ name, updatedAt: entry.updatedAt });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async reload(): Promise<string[]> {
    return this.#exclusive(async () => {
      const doc = await this.#store.read();
      if (doc) await this.#accept(doc);
      return this.#adopt(doc);
    });
  }

  /** Which records decrypt; the unreadable ones are left in the file for the user to fix or delete. */
  async verify(): Promise<{ name: string; ok: boolean }[]> {
    this.#checkOpen();
    const results: { name: string; ok: boolean }[] = [];
    for (const { name } of await this.list()) {
      try {
        await this.get(name);
        results.push({ name, ok: true });
      } catch (error) {
        if (!(error instanceof AirlockError) || error.code !== 'VAULT_RECORD_UNREADABLE') throw error;
        results.push({ name, ok: false });
      }
    }
    return results;
  }

  onChange(listener: (names: string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching?.();
    this.#listeners.clear();
    await this.#queue.catch(() => undefined);
    this.#dataKey?.fill(0);
    this.#dataKey = undefined;
    this.#dataKeyFor = undefined;
    this.#doc = undefined;
  }

  /** One operation at a time within this process; the file lock orders processes. */
  #exclusive<T>(action: () => Promise<T>): Promise<T> {
    this.#checkOpen();
    const run = this.#queue.then(action, action);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #write(change: (current: VaultDocument | undefined) => Promise<VaultDocument | undefined>): Promise<void> {
    return this.#exclusive(async () => {
      const written = await this.#store.update(async (current) => {
        if (current) await this.#accept(current);
        return change(current);
      });
      this.#adopt(written);
    });
  }

  /** A new vault: a random data key, wrapped by the backend (which may create its master key now). */
  async #create(): Promise<VaultDocument> {
    const key = randomKey();
    const doc = newVaultDocument(this.backend, await this.#cipher.encrypt(key));
    this.#setKey(key, doc.wrappedKey);
    return doc;
  }

  /** Checks a document read from disk belongs to this backend and unwraps its data key if new to us. */
  async #accept(doc: VaultDocument): Promise<void> {
    if (doc.backend !== this.backend) {
      throw new AirlockError(
        'VAULT_BACKEND_CHANGED',
        `The vault ${quote(this.file ?? '')} was created with the ${quote(doc.backend)} secret backend, but ` +
          `${quote(this.backend)} is selected. Set AIRLOCK_SECRET_BACKEND=${doc.backend} to use it, or move the ` +
          'vault file aside to start a new, empty vault. The file was not changed.',
      );
    }
    if (doc.wrappedKey === this.#dataKeyFor) return;
    const key = await this.#cipher.decrypt(Buffer.from(doc.wrappedKey, 'base64'));
    if (key.length !== KEY_BYTES) {
      throw new AirlockError(
        'VAULT_CORRUPT',
        `The vault ${quote(this.file ?? '')} holds a data key of the wrong size.`,
      );
    }
    this.#setKey(key, doc.wrappedKey);
  }

  #setKey(key: Buffer, wrappedKey: string): void {
    if (this.#dataKey && this.#dataKey !== key) this.#dataKey.fill(0);
    this.#dataKey = key;
    this.#dataKeyFor = wrappedKey;
  }

  #key(): Buffer {
    if (!this.#dataKey) throw misuse('VAULT_NO_KEY', 'vault data key used before the vault was read');
    return this.#dataKey;
  }

  /** Takes `doc` as the current state and tells listeners what changed. */
  #adopt(doc: VaultDocument | undefined): string[] {
    const changed = changedRecordNames(this.#doc, doc);
    this.#doc = doc;
    if (changed.length > 0) {
      for (const listener of [...this.#listeners]) {
        try {
          listener([...changed]);
        } catch {
          // A failing listener must not make a committed write look failed.
        }
      }
    }
    return changed;
  }

  #checkOpen(): void {
    if (this.#closed) throw misuse('VAULT_CLOSED', 'the vault is closed');
  }
}

/**
 * Calls `vault.reload()` when the file changes on disk (another process wrote it). Watches the
 * directory, since each write replaces the file by rename. Returns a function that stops watching.
 */
export function watchVault(vault: Pick<Vault, 'reload'>, file: string, options: WatchOptions = {}): () => void {
  const target = path.resolve(file);
  const base = path.basename(target);
  const debounceMs = options.debounceMs ?? 100;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const fire = () => {
    timer = undefined;
    if (stopped) return;
    vault.reload().catch((error: unknown) => {
      if (!stopped) options.onError?.(error);
    });
  };
  const watcher = fs.watch(path.dirname(target), { persistent: false }, (_event, filename) => {
    if (filename !== null && filename !== base) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  });
  watcher.on('error', (error) => options.onError?.(error));
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH || !isWellFormed(name)) {
    throw misuse('VAULT_NAME', `vault record names are 1..${MAX_NAME_LENGTH} characters of valid text`);
  }
}

/** No lone surrogates: the name must survive the UTF-8 round trip into the file and the AAD. */
function isWellFormed(text: string): boolean {
  return Buffer.from(text, 'utf8').toString('utf8') === text;
}
