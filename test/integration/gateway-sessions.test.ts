/**
 * Session lifecycle through the gateway: DELETE ends a session (and its upstream process), a broken SSE
 * stream resumes with `Last-Event-ID`, and hostile upstream tool names are exposed by the tool-names rules.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { fileURLToPath } from 'node:url';
import { buildNameTable } from '../../src/gateway/tool-names.ts';
import {
  connectClient,
  firstText,
  INITIALIZE,
  mcpHeaders,
  rawRequest,
  startGatewayHarness,
  stdioFixturePids,
  until,
} from '../helpers/gateway-harness.ts';
import type { GatewayHarness } from '../helpers/gateway-harness.ts';

const SDK = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/sdk/dist/esm/', import.meta.url));
const HOSTILE_NAMES = ['a.b', 'a_b', 'x'.repeat(70), 'tool with spaces', 'ünïcode', 'dup-1', 'dup_1'];

/** A real stdio MCP server offering tools with names many clients reject; each tool returns its own name. */
function writeNamesServer(dir: string): string {
  const file = path.join(dir, 'names-server.mjs');
  fs.writeFileSync(
    file,
    [
      `import { McpServer } from ${JSON.stringify(path.join(SDK, 'server/mcp.js'))};`,
      `import { StdioServerTransport } from ${JSON.stringify(path.join(SDK, 'server/stdio.js'))};`,
      `const mcp = new McpServer({ name: 'names', version: '1.0.0' });`,
      `for (const name of ${JSON.stringify(HOSTILE_NAMES)}) {`,
      `  mcp.registerTool(name, { description: 'returns its name' }, () => ({ content: [{ type: 'text', text: name }] }));`,
      `}`,
      `await mcp.connect(new StdioServerTransport());`,
    ].join('\n'),
  );
  return file;
}

interface SseEvent {
  id?: string;
  data: string;
}

/** Reads SSE events from a fetch body until `stop` says so (or the stream ends). */
async function readEvents(res: Response, stop: (event: SseEvent, all: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event: SseEvent = { data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) event.id = line.slice(3).trim();
          else if (line.startsWith('data:')) event.data += line.slice(5).trim();
        }
        events.push(event);
        if (stop(event, events)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * A loopback proxy to the gateway that drops the connection of the first POST SSE stream right after
 * it relayed a progress notification: a network failure in the middle of a tool call.
 */
async function startFlakyProxy(target: string): Promise<{ url: string; drops(): number; close(): Promise<void> }> {
  const gateway = new URL(target);
  let dropped = 0;
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: gateway.hostname,
        port: gateway.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: gateway.host },
        agent: false,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        const cut = req.method === 'POST' && dropped === 0 && upRes.headers['content-type'] === 'text/event-stream';
        // Cut at the second progress event: by then the client has read the stream's start (the
        // gateway sends the priming event together with the first message of a stream it held back).
        let progressSeen = 0;
        upRes.on('data', (chunk: Buffer) => {
          res.write(chunk);
          if (chunk.toString().includes('notifications/progress')) progressSeen++;
          if (cut && dropped === 0 && progressSeen === 2) {
            dropped++;
            upRes.destroy();
            res.destroy();
          }
        });
        upRes.on('end', () => res.end());
        upRes.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${gateway.pathname}`,
    drops: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let h: GatewayHarness;
let key: string;
let cleanupScratch = () => {};

before(async () => {
  const scratch = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'airlock-names-'));
  const script = writeNamesServer(scratch);
  h = await startGatewayHarness({ servers: { names: { command: process.execPath, args: [script] } } });
  key = await h.addClient('sessions');
  // Each client session spawns its own upstream process, so the script must outlive the gateway.
  cleanupScratch = () => fs.rmSync(scratch, { recursive: true, force: true });
});
after(async () => {
  await h?.close();
  cleanupScratch();
});

describe('DELETE ends a session', { timeout: 30_000 }, () => {
  test('the session id stops working, its upstream process goes, other sessions live on', async () => {
    const other = await h.connect(key, 'local');
    await other.client.callTool({ name: 'echo', arguments: { text: 'warm' } });
    const baseline = stdioFixturePids(process.pid).length;
    const c = await h.connect(key, 'local');
    assert.equal(firstText(await c.client.callTool({ name: 'echo', arguments: { text: 'x' } })), 'x');
    assert.equal(stdioFixturePids(process.pid).length, baseline + 1, 'one upstream process per client session');
    const sessionId = c.transport.sessionId!;
    const sessions = h.gateway.sessions.size;
    await c.transport.terminateSession();
    await until(() => h.gateway.sessions.size === sessions - 1, 'the gateway to drop the session');
    await until(() => stdioFixturePids(process.pid).length === baseline, "the session's upstream process to exit");
    const res = await rawRequest(h.url('local'), {
      headers: mcpHeaders(key, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }),
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }),
    });
    assert.equal(res.status, 404);
    assert.equal(firstText(await other.client.callTool({ name: 'echo', arguments: { text: 'alive' } })), 'alive');
    await other.close();
  });
});

describe('resumability', { timeout: 30_000 }, () => {
  test('a dropped POST stream is resumed with Last-Event-ID: the rest of the progress and the result arrive', async () => {
    const init = await fetch(h.url(), {
      method: 'POST',
      headers: mcpHeaders(key),
      body: JSON.stringify(INITIALIZE),
    });
    assert.equal(init.status, 200);
    const sessionId = init.headers.get('mcp-session-id')!;
    await init.text();
    const headers = mcpHeaders(key, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
    const initialized = await fetch(h.url(), {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    assert.equal(initialized.status, 202);

    const controller = new AbortController();
    const call = await fetch(h.url(), {
      method: 'POST',
      headers,
      signal: controller.signal,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'slow-1',
        method: 'tools/call',
        params: { name: 'local__slow', arguments: { ms: 800 }, _meta: { progressToken: 'p1' } },
      }),
    });
    assert.equal(call.headers.get('content-type'), 'text/event-stream');
    // Read until the first progress notification, then drop the connection.
    const first = await readEvents(call, (event) => event.data.includes('notifications/progress'));
    controller.abort();
    const lastId = first.filter((e) => e.id).at(-1)?.id;
    assert.ok(lastId, 'the stream carries event ids');

    // Until the gateway notices the dropped connection it answers 409 (the stream is still attached).
    let resumed: Response | undefined;
    await until(async () => {
      resumed = await fetch(h.url(), {
        method: 'GET',
        headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastId },
      });
      if (resumed.status === 409) await resumed.text();
      return resumed.status !== 409;
    }, 'the gateway to release the dropped stream');
    assert.ok(resumed);
    assert.equal(resumed.status, 200);
    const rest = await readEvents(resumed, (event) => event.data.includes('"id":"slow-1"'));
    const messages = rest.filter((e) => e.data).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    const result = messages.find((m) => m.id === 'slow-1') as { result?: { content: { text: string }[] } };
    assert.equal(result?.result?.content[0]?.text, 'slept 800 ms');
    assert.ok(
      messages.some((m) => m.method === 'notifications/progress'),
      'progress sent while disconnected is replayed',
    );
    const firstIds = new Set(first.map((e) => e.id));
    assert.ok(
      rest.every((e) => !e.id || !firstIds.has(e.id)),
      'nothing already delivered is replayed',
    );
    await fetch(h.url(), { method: 'DELETE', headers });
  });
});

describe('resumability with the SDK client', { timeout: 30_000 }, () => {
  test('a tool call survives a dropped connection: the SDK client resumes and gets the result', async () => {
    const proxy = await startFlakyProxy(h.url('local'));
    const c = await connectClient(proxy.url, key);
    try {
      const progress: Progress[] = [];
      const result = await c.client.callTool({ name: 'slow', arguments: { ms: 1_500 } }, undefined, {
        onprogress: (p) => progress.push(p),
      });
      assert.equal(proxy.drops(), 1, 'the connection was dropped mid-call');
      assert.equal(firstText(result), 'slept 1500 ms');
      assert.ok(progress.length >= 2, `progress before and after the drop: ${progress.length}`);
    } finally {
      await c.close();
      await proxy.close();
    }
  });
});

describe('unsafe and colliding tool names on /mcp', { timeout: 30_000 }, () => {
  test('are exposed by the tool-names rules, each reaching its own tool', async () => {
    const c = await h.connect(key);
    const listed = (await c.client.listTools()).tools.map((tool) => tool.name).filter((n) => n.startsWith('names__'));
    const expected = buildNameTable(HOSTILE_NAMES.map((name) => ({ server: 'names', name })));
    assert.deepEqual(listed.sort(), [...expected.keys()].sort());
    for (const name of listed) {
      assert.match(name, /^[A-Za-z0-9_-]{1,64}$/);
      const text = firstText(await c.client.callTool({ name, arguments: {} }));
      assert.equal(text, expected.get(name)!.name, `${name} reached the wrong tool`);
    }
    // The clean name keeps its plain form; the one that collides with it gets the hashed form.
    assert.equal(expected.get('names__a_b')?.name, 'a_b');
    assert.equal(expected.get('names__dup-1')?.name, 'dup-1');
    // On /mcp/names the names are unchanged.
    const one = await h.connect(key, 'names');
    assert.deepEqual((await one.client.listTools()).tools.map((tool) => tool.name).sort(), [...HOSTILE_NAMES].sort());
    assert.equal(firstText(await one.client.callTool({ name: 'a.b', arguments: {} })), 'a.b');
    await Promise.all([c.close(), one.close()]);
  });
});
