import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CompletionTracker, connectionKey } from '../../../src/elicitation/completion-tracker.ts';

const settled = (promise: Promise<void>) =>
  Promise.race([promise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))]);

describe('CompletionTracker', () => {
  it('ends a wait only for the same id on the same connection', async () => {
    const tracker = new CompletionTracker();
    const mine = connectionKey('session-a', 'github');
    const wait = tracker.expect(mine, 'e1');
    assert.equal(tracker.complete(connectionKey('session-b', 'github'), 'e1'), false);
    assert.equal(tracker.complete(connectionKey('session-a', 'linear'), 'e1'), false);
    assert.equal(tracker.complete(mine, 'other'), false);
    assert.equal(await settled(wait.completed), false);
    assert.equal(tracker.complete(mine, 'e1'), true);
    assert.equal(await settled(wait.completed), true);
    // Already completed: ignored, as the spec requires.
    assert.equal(tracker.complete(mine, 'e1'), false);
    assert.equal(tracker.size, 0);
  });

  it('forgets a disposed wait', () => {
    const tracker = new CompletionTracker();
    const wait = tracker.expect('c', 'e1');
    wait.dispose();
    wait.dispose();
    assert.equal(tracker.complete('c', 'e1'), false);
    assert.equal(tracker.size, 0);
  });

  it('one notification ends two waits for the same id', async () => {
    const tracker = new CompletionTracker();
    const first = tracker.expect('c', 'e1');
    const second = tracker.expect('c', 'e1');
    assert.equal(tracker.complete('c', 'e1'), true);
    assert.deepEqual(await Promise.all([settled(first.completed), settled(second.completed)]), [true, true]);
  });
});
