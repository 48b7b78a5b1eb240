import lockfile from 'proper-lockfile';
import { AirlockError, quote } from '../errors.ts';

export interface FileLockOptions {
  /**
   * A lock whose holder stopped refreshing it for this long is taken as abandoned (its process
   * crashed). proper-lockfile refreshes it every stale/2 while held; it enforces at least 2000.
   */
  staleMs?: number;
  /** How long to wait for another process's lock before giving up with `VAULT_LOCKED`. */
  timeoutMs?: number;
}

export interface HeldLock {
  /** Throws if the lock was lost (taken as stale by another process) since it was acquired. */
  assertHeld(): void;
}

export const DEFAULT_LOCK_STALE_MS = 5000;

/**
 * Runs `action` holding the inter-process lock on `file` (a `FILE.lock` directory, so the CLI
 * and a running gateway never interleave a read-modify-write of the vault).
 */
export async function withFileLock<T>(
  file: string,
  options: FileLockOptions,
  action: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const staleMs = Math.max(options.staleMs ?? DEFAULT_LOCK_STALE_MS, 2000);
  const deadline = Date.now() + (options.timeoutMs ?? staleMs * 3);
  let lost: Error | undefined;
  const lockOptions = {
    stale: staleMs,
    realpath: false,
    retries: 0,
    onCompromised: (error: Error) => {
      // The default throws from a timer and kills the process; record it and refuse to write.
      lost = error;
    },
  };
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(file, lockOptions);
      break;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ELOCKED') throw error;
      if (Date.now() > deadline) {
        throw new AirlockError(
          'VAULT_LOCKED',
          `Another Airlock process keeps the vault locked (${quote(`${file}.lock`)}). Try again; if no Airlock ` +
            'process is running, remove that lock directory.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    }
  }
  try {
    return await action({
      assertHeld() {
        if (lost) {
          throw new AirlockError('VAULT_LOCK_LOST', 'The vault lock was lost while writing; nothing was written.', {
            cause: lost,
          });
        }
      },
    });
  } finally {
    await release().catch(() => {
      // Already released as compromised: another process owns it now, nothing of ours to remove.
    });
  }
}
