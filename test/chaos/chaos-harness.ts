/**
 * Shared pieces of the chaos suite: an `airlock serve` child process fronting the healthy fixtures
 * (`local` over stdio, `remote` over HTTP) and whatever hostile servers a test adds, a client key, and the
 * "is everything else still fine" check every fault is followed by.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  connectClient,
  firstText,
  rawRequest,
  startServeProcess,
  type HomeOptions,
  type ServeProcess,
} from '../helpers/gateway-harness.ts';

export const HOSTILE_SERVER = fileURLToPath(new URL('../fixtures/hostile-server.ts', import.meta.url));

export interface ChaosGateway {
  serve: ServeProcess;
  key: string;
  url(server?: string): string;
  close(): Promise<void>;
}

export async function startChaosGateway(opts: HomeOptions = {}): Promise<ChaosGateway> {
  const serve = await startServeProcess(opts);
  try {
    const added = await serve.cli(['client', 'add', 'chaos', '--json']);
    assert.equal(added.code, 0, added.stderr);
    const { key } = JSON.parse(added.stdout) as { key: string };
    return {
      serve,
      key,
      url: (server) => (server ? `${serve.mcpUrl}/${server}` : serve.mcpUrl),
      close: () => serve.close(),
    };
  } catch (error) {
    await serve.close();
    throw error;
  }
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN) / 102.4) / 10;
}

/**
 * After a fault: the gateway process is alive, /healthz answers `{"ok":true}`, and a fresh session to each
 * healthy upstream (stdio `local`, HTTP `remote`) and to `/mcp` gets a correct tool answer.
 */
export async function assertGatewayServesOthers(gw: ChaosGateway, label: string): Promise<void> {
  try {
    await checkServesOthers(gw, label);
  } catch (error) {
    const child = gw.serve.child;
    const state =
      child.exitCode === null && child.signalCode === null ? 'running' : `exited ${child.exitCode ?? child.signalCode}`;
    throw new Error(
      `after ${label} (gateway ${state}): ${String(error)}\ngateway stderr: ${gw.serve.stderr().slice(-4000)}`,
      {
        cause: error,
      },
    );
  }
}

async function checkServesOthers(gw: ChaosGateway, label: string): Promise<void> {
  assert.equal(gw.serve.child.exitCode, null, `gateway exited after ${label}: ${gw.serve.stderr()}`);
  const health = await rawRequest(`${gw.serve.mcpUrl.replace(/\/mcp$/, '')}/healthz`, {
    method: 'GET',
    headers: { host: `127.0.0.1:${gw.serve.port}` },
  });
  assert.equal(health.status, 200, `/healthz after ${label}`);
  assert.deepEqual(health.json(), { ok: true });
  for (const [path, tool] of [
    ['local', 'echo'],
    ['remote', 'echo'],
    [undefined, 'remote__echo'],
  ] as const) {
    const client = await connectClient(gw.url(path), gw.key);
    try {
      const result = await client.client.callTool({ name: tool, arguments: { text: `after ${label}` } }, undefined, {
        timeout: 10_000,
      });
      assert.equal(firstText(result), `after ${label}`, `${tool} via ${path ?? '/mcp'} after ${label}`);
    } finally {
      await client.close();
    }
  }
}
