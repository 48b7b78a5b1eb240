/**
 * Which URL elicitations Airlock is waiting on, per upstream connection, and the
 * `notifications/elicitation/complete` that ends each wait.
 *
 * A notification only counts on the connection that raised the elicitation (one client
 * session's link to one server): another session, or another server, cannot complete it.
 * Unknown and already-completed ids are ignored, as the spec requires of clients.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#completion-notifications-for-url-mode-elicitation
 */

/** Identifies one upstream connection: the client session and the server it reaches. */
export function connectionKey(sessionId: string | undefined, server: string): string {
  return `${sessionId ?? ''}\u0000${server}`;
}

export interface CompletionWait {
  /** Resolves once the notification arrived; never rejects. */
  readonly completed: Promise<void>;
  /** Stops waiting (idempotent); a later notification for the id is then ignored. */
  dispose(): void;
}

export class CompletionTracker {
  readonly #waits = new Map<string, () => void>();

  /** Starts waiting for one elicitation id on one connection (before anyone can complete it). */
  expect(connection: string, elicitationId: string): CompletionWait {
    const key = `${connection}\u0000${elicitationId}`;
    let resolve!: () => void;
    const completed = new Promise<void>((done) => (resolve = done));
    const previous = this.#waits.get(key);
    // The same id raised twice on one connection: one notification ends both waits.
    const settle = previous
      ? () => {
          previous();
          resolve();
        }
      : resolve;
    this.#waits.set(key, settle);
    return {
      completed,
      dispose: () => {
        if (this.#waits.get(key) === settle) this.#waits.delete(key);
      },
    };
  }

  /** Records a completion notification; returns whether anyone was waiting for it. */
  complete(connection: string, elicitationId: string): boolean {
    const key = `${connection}\u0000${elicitationId}`;
    const settle = this.#waits.get(key);
    if (!settle) return false;
    this.#waits.delete(key);
    settle();
    return true;
  }

  /** How many waits are open (for tests and diagnostics). */
  get size(): number {
    return this.#waits.size;
  }
}
