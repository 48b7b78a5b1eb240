/** The supervisor with a real stdio fixture: state, restart with backoff after the process dies, stop. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerSupervisor } from '../../../src/upstream/server-supervisor.ts';
import { UpstreamRegistry } from '../../../src/upstream/upstream-registry.ts';
import type { ServerState } from '../../../src/upstream/server-state.ts';
import type { ReferenceSource } from '../../../src/secrets/references.ts';
import { stdioFixtureCommand } from '../../helpers/spawn-fixture.ts';

const references: ReferenceSource = {
  secret: async () => undefined,
  oauthToken: async () => {
    throw new Error('no oauth here');
  },
};

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const noHandlers = {
  onRequest: async () => {
    throw new Error('unexpected');
  },
  onNotification: () => {},
  onClose: () => {},
};

describe('ServerSupervisor', { timeout: 30_000 }, () => {
  test('connects, restarts a dead server with backoff, and stops', async () => {
    const states: ServerState[] = [];
    const { command, args } = stdioFixtureCommand({ name: 'sup' });
    const supervisor = new ServerSupervisor({
      name: 'sup',
      config: { command, args },
      references,
      backoff: { baseMs: 20, maxMs: 100 },
      onState: (state) => states.push(state),
    });
    try {
      await supervisor.start();
      assert.equal(supervisor.state.state, 'connected');
      assert.ok(supervisor.state.tools.includes('echo'));
      // A session connection dying does not touch the monitoring connection.
      const link = await supervisor.connectForSession({}, noHandlers);
      assert.ok(link.pid);
      process.kill(link.pid, 'SIGKILL');
      // Now kill the monitoring process itself: the supervisor notices and restarts it.
      const monitorPid = (supervisor as unknown as { monitor: { pid: number } }).monitor.pid;
      process.kill(monitorPid, 'SIGKILL');
      await until(() => supervisor.state.state === 'connected' && supervisor.state.restarts === 1, 'a restart');
      assert.ok(
        states.some((s) => s.state === 'error'),
        'the death was reported',
      );
    } finally {
      await supervisor.stop();
    }
    assert.equal(supervisor.state.state, 'stopped');
  });

  test('a command that cannot start is an error, retried with growing delays', async () => {
    const supervisor = new ServerSupervisor({
      name: 'broken',
      config: { command: process.execPath, args: ['-e', 'process.exit(3)'] },
      references,
      backoff: { baseMs: 10, maxMs: 40 },
    });
    try {
      await supervisor.start();
      assert.equal(supervisor.state.state, 'error');
      await until(() => supervisor.state.restarts >= 3, 'several retries');
    } finally {
      await supervisor.stop();
    }
  });
});

describe('UpstreamRegistry', { timeout: 30_000 }, () => {
  test('apply adds, changes and removes servers', async () => {
    const registry = new UpstreamRegistry({ references, backoff: { baseMs: 20, maxMs: 100 } });
    const events: string[] = [];
    registry.on('added', (name: string) => events.push(`+${name}`));
    registry.on('removed', (name: string) => events.push(`-${name}`));
    const { command, args } = stdioFixtureCommand();
    try {
      assert.deepEqual(await registry.apply({ a: { command, args }, b: { command, args } }), {
        added: ['a', 'b'],
        removed: [],
        changed: [],
      });
      assert.deepEqual(
        registry.states().map((s) => [s.name, s.state]),
        [
          ['a', 'connected'],
          ['b', 'connected'],
        ],
      );
      const changed = await registry.apply({ a: { command, args: [...args, '--name', 'renamed'] } });
      assert.deepEqual(changed, { added: [], removed: ['b'], changed: ['a'] });
      assert.deepEqual(registry.names(), ['a']);
      assert.equal(registry.get('a')?.state.state, 'connected');
      assert.deepEqual(events, ['+a', '+b', '-b']);
    } finally {
      await registry.stopAll();
    }
  });
});

describe('ServerSupervisor error reasons', { timeout: 30_000 }, () => {
  test('a reason never shows a vault value, even when the error text carries it', async () => {
    const { Redactor } = await import('../../../src/secrets/redactor.ts');
    const redactor = new Redactor();
    const secret = 'SECRETVALUE-in-a-path-1234';
    redactor.setValues([['tok', secret]]);
    const supervisor = new ServerSupervisor({
      name: 'leaky',
      // The spawn error names the command, which here holds the secret (as a resolved ${secret:} would).
      config: { command: `/nonexistent/${secret}`, args: [] },
      references,
      redactor,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
    });
    await supervisor.start();
    try {
      assert.equal(supervisor.state.state, 'error');
      assert.ok(supervisor.state.reason, 'the error has a reason');
      assert.ok(!supervisor.state.reason!.includes(secret), supervisor.state.reason);
      assert.match(supervisor.state.reason!, /\[redacted:tok\]/);
    } finally {
      await supervisor.stop();
    }
  });
});
