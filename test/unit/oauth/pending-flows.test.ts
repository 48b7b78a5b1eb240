import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowExpiredError, PendingFlows } from '../../../src/oauth/pending-flows.ts';

const TARGET = { kind: 'server', name: 'up', displayName: 'up' } as const;

function clock(start = 1_000_000) {
  const time = { now: start };
  return { time, now: () => time.now };
}

describe('PendingFlows', () => {
  test('a state is 256 random bits, different for every flow', () => {
    const flows = new PendingFlows();
    const a = flows.create(TARGET, 60_000, async () => {});
    const b = flows.create(TARGET, 60_000, async () => {});
    assert.match(a.state, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.state, b.state);
    flows.close();
  });

  test('a callback is accepted only after the consent that shows this flow was approved', () => {
    const flows = new PendingFlows();
    const flow = flows.create(TARGET, 60_000, async () => {});
    flow.consentId = 'consent-1';
    assert.deepEqual(flows.take(flow.state), { ok: false, reason: 'not-approved' });
    flows.approve(flow.state, 'consent-2'); // another consent's approval does not count
    assert.deepEqual(flows.take(flow.state), { ok: false, reason: 'not-approved' });
    flows.approve(flow.state, 'consent-1');
    assert.equal(flows.take(flow.state).ok, true);
    flows.close();
  });

  test('a state is single use: the second callback with it is refused', async () => {
    const flows = new PendingFlows();
    const codes: string[] = [];
    const flow = flows.create(TARGET, 60_000, async (code) => {
      codes.push(code);
    });
    flow.consentId = 'c';
    flows.approve(flow.state, 'c');
    const first = flows.take(flow.state);
    assert.ok(first.ok);
    assert.deepEqual(flows.take(flow.state), { ok: false, reason: 'unknown' });
    await first.exchange('code-1');
    await flow.done;
    assert.deepEqual(codes, ['code-1']);
    assert.deepEqual(flows.take(flow.state), { ok: false, reason: 'unknown' });
  });

  test('unknown, non-string and oversized states are refused', () => {
    const flows = new PendingFlows();
    assert.deepEqual(flows.take('nope'), { ok: false, reason: 'unknown' });
    assert.deepEqual(flows.take(['a', 'b']), { ok: false, reason: 'unknown' });
    assert.deepEqual(flows.take('x'.repeat(201)), { ok: false, reason: 'unknown' });
  });

  test('a state past its lifetime is refused even if approved, and its sign-in fails as expired', async () => {
    const { time, now } = clock();
    const flows = new PendingFlows({ now });
    const flow = flows.create(TARGET, 60_000, async () => {});
    flow.consentId = 'c';
    flows.approve(flow.state, 'c');
    time.now += 60_001;
    assert.deepEqual(flows.take(flow.state), { ok: false, reason: 'expired' });
    await assert.rejects(flow.done, FlowExpiredError);
    assert.deepEqual(flows.take(flow.state), { ok: false, reason: 'unknown' });
  });

  test('a flow nobody completes ends by itself when its lifetime runs out', async () => {
    const flows = new PendingFlows();
    const flow = flows.create(TARGET, 30, async () => {});
    // The flow's own timer does not hold the process open (unref), so the test does.
    const keepAlive = setTimeout(() => {}, 5_000);
    await assert.rejects(flow.done, (error: unknown) => (error as { code?: string }).code === 'OAUTH_FLOW_EXPIRED');
    assert.deepEqual(flows.take(flow.state), { ok: false, reason: 'unknown' });
    clearTimeout(keepAlive);
  });

  test('a failed code exchange fails the waiting sign-in; cancel and close end flows', async () => {
    const flows = new PendingFlows();
    const failing = flows.create(TARGET, 60_000, async () => {
      throw new Error('invalid_grant');
    });
    failing.consentId = 'c';
    flows.approve(failing.state, 'c');
    const taken = flows.take(failing.state);
    assert.ok(taken.ok);
    await assert.rejects(taken.exchange('code'), /invalid_grant/);
    await assert.rejects(failing.done, /invalid_grant/);

    const declined = flows.create(TARGET, 60_000, async () => {});
    flows.cancel(declined.state, new Error('declined'));
    await assert.rejects(declined.done, /declined/);
    assert.deepEqual(flows.take(declined.state), { ok: false, reason: 'unknown' });

    const open = flows.create(TARGET, 60_000, async () => {});
    flows.close();
    await assert.rejects(open.done, (error: unknown) => (error as { code?: string }).code === 'SHUTDOWN');
  });

  test('whenApproved lets a fast callback wait briefly for the approval being recorded', async () => {
    const flows = new PendingFlows();
    const flow = flows.create(TARGET, 60_000, async () => {});
    flow.consentId = 'c';
    const waiting = flows.whenApproved(flow.state, 5_000);
    setTimeout(() => flows.approve(flow.state, 'c'), 10);
    await waiting;
    assert.equal(flows.take(flow.state).ok, true);
    flows.close();
  });
});
