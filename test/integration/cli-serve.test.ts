/**
 * `airlock serve` in the foreground: it prints its MCP URL, and SIGTERM / SIGINT stop it cleanly: exit 0,
 * every upstream stdio process gone (reaped, not left as zombies), its socket and gateway.json removed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { dataPaths } from '../../src/config/data-dir.ts';
import { connectClient, firstText, startServeProcess, stdioFixturePids, until } from '../helpers/gateway-harness.ts';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  describe(`airlock serve and ${signal}`, { timeout: 60_000 }, () => {
    test('exits 0 and leaves no upstream process behind', async () => {
      const g = await startServeProcess({ noRemote: true });
      try {
        assert.match(g.mcpUrl, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
        assert.match(g.stdout(), /MCP endpoint: http:\/\/127\.0\.0\.1:\d+\/mcp/);
        const added = await g.cli(['--json', 'client', 'add', 'sig']);
        assert.equal(added.code, 0, added.stderr);
        const { key } = JSON.parse(added.stdout) as { key: string };
        // An open client session has its own upstream process, besides the supervisor's.
        const client = await connectClient(`${g.mcpUrl}/local`, key);
        assert.equal(firstText(await client.client.callTool({ name: 'echo', arguments: { text: 'x' } })), 'x');
        const upstreams = stdioFixturePids(g.pid);
        assert.ok(upstreams.length >= 2, `expected >= 2 upstream processes, got ${upstreams.length}`);
        const paths = dataPaths(g.home);
        assert.ok(fs.existsSync(paths.socket) && fs.existsSync(paths.gatewayInfo));

        const exit = await g.signal(signal);
        assert.deepEqual(exit, { code: 0, signal: null });
        assert.match(g.stdout(), new RegExp(`${signal}: stopping`));
        // Reaped by serve before it exited: not even a zombie entry is left.
        await until(
          () => upstreams.every((pid) => !fs.existsSync(`/proc/${pid}`)),
          'the upstream processes to be gone',
          5_000,
        );
        assert.equal(fs.existsSync(paths.socket), false, 'socket removed');
        assert.equal(fs.existsSync(paths.gatewayInfo), false, 'gateway.json removed');
        const status = await g.cli(['--json', 'status']);
        assert.equal(status.code, 1);
        assert.equal((JSON.parse(status.stdout) as { running: boolean }).running, false);
        await client.client.close().catch(() => {});
      } finally {
        await g.close();
      }
    });
  });
}
