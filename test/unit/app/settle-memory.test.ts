import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { settleMemoryAfterStartup, v8Collector } from '../../../src/app/settle-memory.ts';

/** A stand-in for the upstream registry: named servers whose state the test moves. */
class Servers extends EventEmitter {
  readonly current = new Map<string, string>();
  states() {
    return [...this.current.values()].map((state) => ({ state }));
  }
  set(name: string, state: string) {
    this.current.set(name, state);
    this.emit('state');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('collects (one pass here), after the last server left starting and a quiet moment', async () => {
  const servers = new Servers();
  servers.set('a', 'starting');
  servers.set('b', 'starting');
  let runs = 0;
  settleMemoryAfterStartup(servers, { quietMs: 30, maxWaitMs: 5_000, passes: 1, collect: () => runs++ });
  await sleep(60);
  assert.equal(runs, 0, 'not while servers are starting');
  servers.set('a', 'connected');
  await sleep(60);
  assert.equal(runs, 0, 'not while one is still starting');
  servers.set('b', 'error');
  servers.set('b', 'error');
  await sleep(80);
  assert.equal(runs, 1);
  servers.set('a', 'starting');
  servers.set('a', 'connected');
  await sleep(80);
  assert.equal(runs, 1, 'start-up only: later changes do not collect again');
  assert.equal(servers.listenerCount('state'), 0, 'stops listening');
});

test('with no servers it collects after the quiet moment; a server that never settles waits for the deadline', async () => {
  let none = 0;
  settleMemoryAfterStartup(new Servers(), { quietMs: 20, passes: 1, collect: () => none++ });
  await sleep(50);
  assert.equal(none, 1);

  const stuck = new Servers();
  stuck.set('slow', 'starting');
  let runs = 0;
  settleMemoryAfterStartup(stuck, { quietMs: 10, maxWaitMs: 60, passes: 1, collect: () => runs++ });
  await sleep(30);
  assert.equal(runs, 0);
  await sleep(80);
  assert.equal(runs, 1, 'the deadline settles anyway');
});

test('by default four passes, each in its own turn of the event loop; cancel stops the rest', async () => {
  // If the passes ran in one synchronous loop, what the previous pass queued could not run in between.
  const queuedRanBefore: boolean[] = [];
  let queuedRan = true;
  settleMemoryAfterStartup(new Servers(), {
    quietMs: 5,
    collect: () => {
      queuedRanBefore.push(queuedRan);
      queuedRan = false;
      setImmediate(() => (queuedRan = true));
    },
  });
  await sleep(80);
  assert.deepEqual(queuedRanBefore, [true, true, true, true]);

  let runs = 0;
  let settle: { cancel(): void } | undefined = undefined;
  settle = settleMemoryAfterStartup(new Servers(), {
    quietMs: 5,
    collect: () => {
      runs++;
      settle?.cancel();
    },
  });
  await sleep(50);
  assert.equal(runs, 1, 'a gateway closing during the passes stops them');
});

test('cancel (the gateway closing first) means no collection', async () => {
  let runs = 0;
  const settle = settleMemoryAfterStartup(new Servers(), { quietMs: 20, collect: () => runs++ });
  settle.cancel();
  await sleep(50);
  assert.equal(runs, 0);
});

test("V8's own collector is reachable and runs a memory-reducing collection", async () => {
  const gc = v8Collector();
  assert.equal(typeof gc, 'function');
  const weak = new WeakRef(Array.from({ length: 10_000 }, (_, i) => ({ i })));
  // A WeakRef keeps its target alive until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  gc!({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  assert.equal(weak.deref(), undefined, 'unreachable objects are gone after it');
});
