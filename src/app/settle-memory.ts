import v8 from 'node:v8';
import vm from 'node:vm';

/** V8's `gc()`; `flavor: 'last-resort'` is its memory-reducing collection (several passes, shrinks the young generation). */
export type Collector = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/** What settling watches: the upstream servers' states, and their changes. */
export interface StartupStates {
  states(): { state: string }[];
  on(event: 'state', listener: () => void): unknown;
  off(event: 'state', listener: () => void): unknown;
}

export interface SettleMemoryOptions {
  /** How long nothing may change after the last server left `starting` (default 300 ms). */
  quietMs?: number;
  /** Settle by then even if a server is still starting (default 10 s). */
  maxWaitMs?: number;
  /** The collector; default V8's own (see v8Collector). */
  collect?: Collector;
  /**
   * How many collections (default 4, each in its own turn of the event loop, ~20 ms each). Each
   * major collection ages the bytecode of functions that have not run since; after a few V8 drops
   * it, so code that ran only at start-up returns its memory too: ~2 MB more than one pass.
   */
  passes?: number;
}

let exposed: Collector | null | undefined;

/**
 * V8's collector without a command-line flag: `--expose-gc` set at run time takes effect for
 * contexts created after it, so a fresh context hands out `gc` (how Jest reaches it). Undefined if
 * this V8 refuses; settling is then skipped, never an error.
 */
export function v8Collector(): Collector | undefined {
  if (exposed === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc: unknown = vm.runInNewContext('gc');
      exposed = typeof gc === 'function' ? (gc as Collector) : null;
    } catch {
      exposed = null;
    }
  }
  return exposed ?? undefined;
}

/**
 * Runs a few memory-reducing garbage collections once start-up has settled: no server still
 * `starting`, then a quiet moment. Loading modules and connecting servers leaves V8's young
 * generation grown and garbage behind; V8's own memory reducer returns it only after some seconds
 * of idleness, and not reliably, so an idle tray app would keep ~10 MB it does not use. A few
 * collections of ~20 ms each, before any client is likely to call, return it.
 */
export function settleMemoryAfterStartup(
  servers: StartupStates,
  options: SettleMemoryOptions = {},
): { cancel(): void } {
  const quietMs = options.quietMs ?? 300;
  const collect = options.collect ?? v8Collector();
  let left = options.passes ?? 4;
  let quiet: NodeJS.Timeout | undefined;
  let pass: NodeJS.Immediate | undefined;
  let started = false;
  let cancelled = false;
  // One pass a turn, so a request that arrives meanwhile waits for one pass at most.
  const collectOnce = () => {
    if (cancelled || left <= 0) return;
    left--;
    collect?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    pass = setImmediate(collectOnce);
    pass.unref();
  };
  const finish = () => {
    if (started || cancelled) return;
    started = true;
    stopWatching();
    collectOnce();
  };
  const onState = () => {
    clearTimeout(quiet);
    if (servers.states().some((s) => s.state === 'starting')) return;
    quiet = setTimeout(finish, quietMs);
    quiet.unref();
  };
  const deadline = setTimeout(finish, options.maxWaitMs ?? 10_000);
  deadline.unref();
  function stopWatching(): void {
    clearTimeout(quiet);
    clearTimeout(deadline);
    servers.off('state', onState);
  }
  servers.on('state', onState);
  onState();
  return {
    cancel: () => {
      cancelled = true;
      stopWatching();
      clearImmediate(pass);
    },
  };
}
