import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-write.ts';
import { parseVaultDocument, serializeVaultDocument, type VaultDocument } from './vault-document.ts';
import { withFileLock, type FileLockOptions } from './vault-lock.ts';

/** Where a vault document lives. `update` is an atomic read-modify-write against other writers. */
export interface VaultStore {
  read(): Promise<VaultDocument | undefined>;
  /** `change` gets the current document (re-read under the lock) and returns the one to write, or undefined to write nothing. */
  update(
    change: (current: VaultDocument | undefined) => Promise<VaultDocument | undefined>,
  ): Promise<VaultDocument | undefined>;
}

/** One JSON file, mode 0600, replaced atomically under an inter-process lock. */
export class FileVaultStore implements VaultStore {
  readonly file: string;
  readonly #lock: FileLockOptions;

  constructor(file: string, lock: FileLockOptions = {}) {
    this.file = path.resolve(file);
    this.#lock = lock;
  }

  async read(): Promise<VaultDocument | undefined> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return parseVaultDocument(text, this.file);
  }

  async update(
    change: (current: VaultDocument | undefined) => Promise<VaultDocument | undefined>,
  ): Promise<VaultDocument | undefined> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    return withFileLock(this.file, this.#lock, async (lock) => {
      // Re-read inside the lock: another process may have written since we last looked.
      const current = await this.read();
      const next = await change(current);
      if (!next) return current;
      lock.assertHeld();
      this.#removeAbandonedTempFiles();
      writeFileAtomicSync(this.file, serializeVaultDocument(next), 0o600);
      return next;
    });
  }

  /**
   * Temp files from writers killed mid-write. Only lock holders write temp files, so while we
   * hold the lock any that exist belong to a dead writer.
   */
  #removeAbandonedTempFiles(): void {
    const dir = path.dirname(this.file);
    const prefix = `.${path.basename(this.file)}.`;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(prefix) && name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}

/** For the memory backend: the document lives in this process only and no file is ever written. */
export class MemoryVaultStore implements VaultStore {
  #doc: VaultDocument | undefined;

  async read(): Promise<VaultDocument | undefined> {
    return this.#doc && cloneDocument(this.#doc);
  }

  async update(
    change: (current: VaultDocument | undefined) => Promise<VaultDocument | undefined>,
  ): Promise<VaultDocument | undefined> {
    const next = await change(this.#doc && cloneDocument(this.#doc));
    if (next) this.#doc = cloneDocument(next);
    return this.#doc && cloneDocument(this.#doc);
  }
}

function cloneDocument(doc: VaultDocument): VaultDocument {
  return { ...doc, records: new Map([...doc.records].map(([name, entry]) => [name, { ...entry }])) };
}
