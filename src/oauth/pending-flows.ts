/**
 * Authorization flows waiting for their redirect to `/oauth/callback`, keyed by `state`.
 *
 * A state is 256 random bits, bound to the consent request that shows its URL, accepted only
 * after that consent was approved, exactly once, and only within its lifetime. That is what
 * makes a forged, replayed or late callback harmless, and what ties a code to the user's
 * decision (the confused-deputy defence).
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#oauth-state-parameter-validation
 */
import { randomBytes } from 'node:crypto';
import { AirlockError } from '../errors.ts';

export interface FlowTarget {
  kind: 'server' | 'provider';
  /** Server or provider name. */
  name: string;
  /** Who the callback page says the user signed in to. */
  displayName: string;
}

export interface PendingFlow extends FlowTarget {
  readonly state: string;
  readonly expiresAt: number;
  consentId: string | undefined;
  approved: boolean;
  /** Resolves once the code was exchanged (or rejects: declined, expired, exchange failed). */
  readonly done: Promise<void>;
}

interface Entry {
  flow: PendingFlow;
  approvedWaiters: (() => void)[];
  exchange: (code: string) => Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export type TakeResult =
  | { ok: true; flow: PendingFlow; exchange: (code: string) => Promise<void>; fail: (error: Error) => void }
  | { ok: false; reason: 'unknown' | 'not-approved' | 'expired' };

export class FlowExpiredError extends AirlockError {
  constructor() {
    super('OAUTH_FLOW_EXPIRED', 'the sign-in was not completed in time');
  }
}

export class PendingFlows {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Registers a flow; `exchange` turns the code into tokens when the callback arrives. */
  create(target: FlowTarget, lifetimeMs: number, exchange: (code: string) => Promise<void>): PendingFlow {
    const state = randomBytes(32).toString('base64url');
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be listening yet (e.g. the flow is cancelled before a waiter attaches).
    done.catch(() => {});
    const flow: PendingFlow = {
      ...target,
      state,
      expiresAt: this.#now() + lifetimeMs,
      consentId: undefined,
      approved: false,
      done,
    };
    const timer = setTimeout(() => this.cancel(state, new FlowExpiredError()), lifetimeMs);
    timer.unref();
    this.#entries.set(state, { flow, exchange, resolve, reject, timer, approvedWaiters: [] });
    return flow;
  }

  /** The user approved the consent that shows this flow's URL: its callback may now arrive. */
  approve(state: string, consentId: string): void {
    const entry = this.#entries.get(state);
    if (!entry || entry.flow.consentId !== consentId) return;
    entry.flow.approved = true;
    for (const wake of entry.approvedWaiters.splice(0)) wake();
  }

  /**
   * Waits briefly for a flow's approval to be recorded: the browser is started by the approval
   * itself, so a fast authorization server can redirect back a moment before the answer lands.
   */
  whenApproved(state: unknown, maxMs: number): Promise<void> {
    const entry = typeof state === 'string' ? this.#entries.get(state) : undefined;
    if (!entry || entry.flow.approved) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      entry.approvedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Takes a flow for a callback: a known, approved, unexpired state is removed at once (single
   * use), whatever happens next.
   */
  take(state: unknown): TakeResult {
    if (typeof state !== 'string' || state.length > 200) return { ok: false, reason: 'unknown' };
    const entry = this.#entries.get(state);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (this.#now() > entry.flow.expiresAt) {
      this.cancel(state, new FlowExpiredError());
      return { ok: false, reason: 'expired' };
    }
    if (!entry.flow.approved) return { ok: false, reason: 'not-approved' };
    this.#entries.delete(state);
    clearTimeout(entry.timer);
    return {
      ok: true,
      flow: entry.flow,
      exchange: async (code) => {
        try {
          await entry.exchange(code);
          entry.resolve();
        } catch (error) {
          entry.reject(error instanceof Error ? error : new Error(String(error)));
          throw error;
        }
      },
      fail: (error) => entry.reject(error),
    };
  }

  /** Ends a flow without a code (declined, expired, superseded, gateway stopping). */
  cancel(state: string, error: Error): void {
    const entry = this.#entries.get(state);
    if (!entry) return;
    this.#entries.delete(state);
    clearTimeout(entry.timer);
    for (const wake of entry.approvedWaiters.splice(0)) wake();
    entry.reject(error);
  }

  close(): void {
    for (const state of [...this.#entries.keys()])
      this.cancel(state, new AirlockError('SHUTDOWN', 'Airlock is stopping'));
  }
}
