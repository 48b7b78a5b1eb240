/**
 * `npm run bench -- --scale`: 50 upstream servers (the everything fixture over Streamable HTTP with 40 extra
 * tools each, one Node process per server) behind one gateway; start-up to all connected, listing every tool
 * through `/mcp`, and 200 client sessions held open at once.
 *
 * HTTP rather than stdio upstreams: with stdio every gateway client session spawns its own upstream process
 * (per-session connections), so 200 sessions would mean 200 more Node processes; over HTTP a session is an
 * upstream HTTP session in an already running fixture.
 */
import fs from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  prepareHome,
  rssBytes,
  sampleRss,
  startGatewayProcess,
  startHttpFixture,
  waitAllConnected,
  type Fixture,
  type GatewayProcess,
} from './processes.ts';
import { mb, type ScaleResults } from './report.ts';

const SERVERS = 50;
const TOOLS = 40;
const HELD_SESSIONS = 200;
const AGGREGATE_SESSIONS = 10;

interface Held {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

async function open(url: string, key: string): Promise<Held> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'airlock-bench-scale', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

async function closeAll(held: Held[]): Promise<void> {
  await Promise.all(
    held.map(async (h) => {
      await h.transport.terminateSession().catch(() => {});
      await h.client.close().catch(() => {});
    }),
  );
}

async function inBatches<T>(count: number, batch: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += batch) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => make(i + j)))));
  }
  return out;
}

export async function runScale(opts: { log: (message: string) => void }): Promise<ScaleResults> {
  const { log } = opts;
  const fixtures: Fixture[] = [];
  let gateway: GatewayProcess | undefined;
  let home: string | undefined;
  const held: Held[] = [];
  try {
    log(`scale: starting ${SERVERS} HTTP fixtures with ${TOOLS} extra tools`);
    const t0 = performance.now();
    fixtures.push(...(await inBatches(SERVERS, 10, (i) => startHttpFixture({ name: `s${i}`, tools: TOOLS }))));
    const fixturesStartMs = performance.now() - t0;
    const servers = Object.fromEntries(fixtures.map((f, i) => [`s${i}`, { url: f.url }]));
    const prepared = await prepareHome(servers);
    home = prepared.home;
    const { key } = prepared;

    log('scale: gateway start-up');
    const spawnedAt = performance.now();
    gateway = await startGatewayProcess(home);
    const gatewayHealthzMs = gateway.startupMs;
    await waitAllConnected(gateway);
    const gatewayAllConnectedMs = performance.now() - spawnedAt;
    const sampler = sampleRss(gateway.pid);
    const rssAfterConnect = rssBytes(gateway.pid) ?? NaN;

    log('scale: tools/list through /mcp');
    const lister = await open(`${gateway.origin}/mcp`, key);
    held.push(lister);
    let t = performance.now();
    const first = await lister.client.listTools();
    const listFirstMs = performance.now() - t;
    t = performance.now();
    await lister.client.listTools();
    const listSecondMs = performance.now() - t;
    const rssAfterList = rssBytes(gateway.pid) ?? NaN;

    log(`scale: ${HELD_SESSIONS} sessions held open`);
    const gw = gateway;
    t = performance.now();
    const sessions = await inBatches(HELD_SESSIONS, 25, (i) => open(`${gw.origin}/mcp/s${i % SERVERS}`, key));
    held.push(...sessions);
    const heldOpenMs = performance.now() - t;
    const callAll = async () => {
      const results = await Promise.allSettled(
        sessions.map((s, i) => s.client.callTool({ name: 'echo', arguments: { text: `held-${i}` } })),
      );
      return results.filter(
        (r, i) =>
          r.status !== 'fulfilled' ||
          JSON.stringify(r.value.content) !== JSON.stringify([{ type: 'text', text: `held-${i}` }]),
      ).length;
    };
    t = performance.now();
    const heldFailures = await callAll();
    const heldFirstCallMs = performance.now() - t;
    await new Promise((r) => setTimeout(r, 500));
    const rssHeld = rssBytes(gateway.pid) ?? NaN;
    const again = await callAll();

    log(`scale: ${AGGREGATE_SESSIONS} /mcp sessions calling a tool (fan-out)`);
    t = performance.now();
    const aggregate = await Promise.all(
      Array.from({ length: AGGREGATE_SESSIONS }, () => open(`${gw.origin}/mcp`, key)),
    );
    held.push(...aggregate);
    await Promise.all(aggregate.map((a) => a.client.callTool({ name: 's0__echo', arguments: { text: 'x' } })));
    const aggregateFirstCallMs = performance.now() - t;
    const rssAfterAggregate = rssBytes(gateway.pid) ?? NaN;
    const peak = sampler.stop();
    return {
      transport: 'streamable-http',
      servers: SERVERS,
      toolsPerServer: TOOLS,
      fixturesStartMs,
      gatewayHealthzMs,
      gatewayAllConnectedMs,
      toolsListed: first.tools.length,
      listFirstMs,
      listSecondMs,
      rssAfterConnectMB: mb(rssAfterConnect),
      rssAfterListMB: mb(rssAfterList),
      heldSessions: HELD_SESSIONS,
      heldOpenMs,
      heldFirstCallMs,
      heldFailures,
      heldAllAnsweredAgain: again === 0,
      rssWithHeldSessionsMB: mb(rssHeld),
      aggregateSessions: AGGREGATE_SESSIONS,
      aggregateFirstCallMs,
      rssAfterAggregateMB: mb(rssAfterAggregate),
      peakRssMB: mb(peak),
    };
  } finally {
    await closeAll(held);
    await gateway?.stop();
    await Promise.all(fixtures.map((f) => f.stop()));
    if (home) fs.rmSync(home, { recursive: true, force: true });
  }
}
