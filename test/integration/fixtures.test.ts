/**
 * Baseline: a real SDK client talks to the everything fixture directly, over stdio, Streamable HTTP and
 * legacy SSE, and every feature the gateway must forward works. Gateway tests mirror these assertions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, LoggingMessageNotification, Progress } from '@modelcontextprotocol/sdk/types.js';
import { startHttpFixture, startSseFixture, stdioFixtureCommand } from '../helpers/spawn-fixture.ts';
import type { RunningFixture } from '../helpers/spawn-fixture.ts';

const SECRET = 'fixture-secret-value-123';
const ROOTS = [{ uri: 'file:///tmp/airlock-root', name: 'root' }];

interface Harness {
  client: Client;
  logs: LoggingMessageNotification['params'][];
  toolListChanged: number;
  updatedUris: string[];
  sampled: string[];
}

function firstText(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  assert.equal(content?.type, 'text');
  return content.text;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A client with sampling, form elicitation and roots handlers, recording what the server pushes. */
async function connectClient(transport: Transport): Promise<Harness> {
  const client = new Client(
    { name: 'fixture-test-client', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } },
  );
  const h: Harness = { client, logs: [], toolListChanged: 0, updatedUris: [], sampled: [] };
  client.setRequestHandler(CreateMessageRequestSchema, (req) => {
    const content = req.params.messages[0]?.content;
    const prompt = content && !Array.isArray(content) && content.type === 'text' ? content.text : '';
    h.sampled.push(prompt);
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `answer to ${prompt}` } };
  });
  client.setRequestHandler(ElicitRequestSchema, (req) => ({
    action: 'accept',
    content: { answer: `yes: ${req.params.message}` },
  }));
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: ROOTS }));
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    h.logs.push(n.params);
  });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    h.toolListChanged++;
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    h.updatedUris.push(n.params.uri);
  });
  await client.connect(transport);
  return h;
}

const transports: { kind: 'stdio' | 'http' | 'sse'; open(): Promise<{ h: Harness; fixture?: RunningFixture }> }[] = [
  {
    kind: 'stdio',
    async open() {
      const cmd = stdioFixtureCommand({ name: 'fx-stdio', tools: 3 });
      const transport = new StdioClientTransport({
        command: cmd.command,
        args: cmd.args,
        env: { ...getDefaultEnvironment(), FIXTURE_SECRET: SECRET },
        stderr: 'pipe',
      });
      return { h: await connectClient(transport) };
    },
  },
  {
    kind: 'http',
    async open() {
      const fixture = await startHttpFixture({ name: 'fx-http', tools: 3, env: { FIXTURE_SECRET: SECRET } });
      const transport = new StreamableHTTPClientTransport(new URL(fixture.url), {
        requestInit: { headers: { 'X-Fixture-Probe': 'probe-1' } },
      });
      return { h: await connectClient(transport), fixture };
    },
  },
  {
    kind: 'sse',
    async open() {
      const fixture = await startSseFixture({ name: 'fx-sse', tools: 3, env: { FIXTURE_SECRET: SECRET } });
      return { h: await connectClient(new SSEClientTransport(new URL(fixture.url))), fixture };
    },
  },
];

for (const { kind, open } of transports) {
  describe(`everything fixture over ${kind}`, { timeout: 30_000 }, () => {
    let h: Harness;
    let fixture: RunningFixture | undefined;
    before(async () => {
      ({ h, fixture } = await open());
    });
    after(async () => {
      await h?.client.close();
      await fixture?.stop();
    });

    test('initialize reports the name and every capability', () => {
      assert.equal(h.client.getServerVersion()?.name, `fx-${kind}`);
      const caps = h.client.getServerCapabilities();
      assert.deepEqual(caps?.tools, { listChanged: true });
      assert.deepEqual(caps?.prompts, { listChanged: true });
      assert.deepEqual(caps?.resources, { subscribe: true, listChanged: true });
      assert.ok(caps?.logging);
      assert.ok(caps?.completions);
    });

    test('lists the tools, including the --tools extras', async () => {
      const names = (await h.client.listTools()).tools.map((t) => t.name);
      for (const name of ['echo', 'add', 'env', 'headers', 'slow', 'last_cancelled', 'hang', 'crash', 'sample']) {
        assert.ok(names.includes(name), `missing ${name}`);
      }
      for (const name of ['elicit_form', 'roots', 'log', 'add_tool', 'touch_resource', 'fail', 'big']) {
        assert.ok(names.includes(name), `missing ${name}`);
      }
      assert.deepEqual(
        names.filter((n) => n.startsWith('tool_')),
        ['tool_0', 'tool_1', 'tool_2'],
      );
    });

    test('echo, add, env, fail and big answer as documented', async () => {
      assert.equal(firstText(await h.client.callTool({ name: 'echo', arguments: { text: 'hi' } })), 'hi');
      const sum = await h.client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
      assert.equal(firstText(sum), '42');
      assert.deepEqual(sum.structuredContent, { sum: 42 });
      assert.equal(firstText(await h.client.callTool({ name: 'env', arguments: { name: 'FIXTURE_SECRET' } })), SECRET);
      const unset = await h.client.callTool({ name: 'env', arguments: { name: 'FIXTURE_NOT_SET_ANYWHERE' } });
      assert.equal(unset.isError, true);
      const failed = await h.client.callTool({ name: 'fail', arguments: {} });
      assert.equal(failed.isError, true);
      assert.equal(firstText(await h.client.callTool({ name: 'big', arguments: { bytes: 200_000 } })).length, 200_000);
    });

    if (kind === 'http') {
      test('headers returns the HTTP headers the call arrived with', async () => {
        const headers = JSON.parse(firstText(await h.client.callTool({ name: 'headers', arguments: {} })));
        assert.equal(headers['x-fixture-probe'], 'probe-1');
        assert.match(headers['mcp-session-id'], /^[0-9a-f-]{36}$/);
      });
    }

    test('slow reports progress to onprogress', async () => {
      const progress: Progress[] = [];
      const result = await h.client.callTool({ name: 'slow', arguments: { ms: 350 } }, undefined, {
        onprogress: (p) => progress.push(p),
      });
      assert.equal(firstText(result), 'slept 350 ms');
      assert.ok(progress.length >= 3, `expected >= 3 progress notifications, got ${progress.length}`);
      assert.ok(progress.every((p, i) => i === 0 || p.progress >= progress[i - 1]!.progress));
      assert.equal(progress.at(-1)?.total, 350);
    });

    test('an aborted slow call is cancelled upstream and last_cancelled reports it', async () => {
      const before = JSON.parse(firstText(await h.client.callTool({ name: 'last_cancelled', arguments: {} })));
      assert.deepEqual(before, { cancelled: false });
      const controller = new AbortController();
      const call = h.client.callTool({ name: 'slow', arguments: { ms: 20_000 } }, undefined, {
        signal: controller.signal,
        onprogress: () => controller.abort('user gave up'),
      });
      await assert.rejects(call);
      let last: { cancelled: boolean; ms?: number } = { cancelled: false };
      await until(async () => {
        last = JSON.parse(firstText(await h.client.callTool({ name: 'last_cancelled', arguments: {} })));
        return last.cancelled;
      }, 'the server to record the cancellation');
      assert.equal(last.ms, 20_000);
    });

    test('hang never answers; the client times out', async () => {
      await assert.rejects(
        h.client.callTool({ name: 'hang', arguments: {} }, undefined, { timeout: 300 }),
        /timed out/i,
      );
    });

    test('sample round-trips a sampling request through the client', async () => {
      const result = await h.client.callTool({ name: 'sample', arguments: { prompt: 'what is 6*7?' } });
      assert.equal(firstText(result), 'answer to what is 6*7?');
      assert.deepEqual(h.sampled, ['what is 6*7?']);
    });

    test('elicit_form round-trips a form elicitation', async () => {
      const result = await h.client.callTool({ name: 'elicit_form', arguments: { message: 'proceed?' } });
      assert.deepEqual(JSON.parse(firstText(result)), { action: 'accept', content: { answer: 'yes: proceed?' } });
    });

    test("roots returns the client's roots", async () => {
      assert.deepEqual(JSON.parse(firstText(await h.client.callTool({ name: 'roots', arguments: {} }))), ROOTS);
    });

    test('log sends logging messages, filtered by logging/setLevel', async () => {
      await h.client.setLoggingLevel('warning');
      await h.client.callTool({ name: 'log', arguments: { level: 'info', message: 'quiet' } });
      await h.client.callTool({ name: 'log', arguments: { level: 'error', message: 'loud' } });
      await until(() => h.logs.length > 0, 'a logging message');
      assert.deepEqual(h.logs, [{ level: 'error', logger: `fx-${kind}`, data: 'loud' }]);
      await h.client.setLoggingLevel('debug');
    });

    test('add_tool announces tools/list_changed and the new tool works', async () => {
      const seen = h.toolListChanged;
      const name = firstText(await h.client.callTool({ name: 'add_tool', arguments: {} }));
      assert.equal(name, 'dynamic_0');
      await until(() => h.toolListChanged > seen, 'tools/list_changed');
      assert.ok((await h.client.listTools()).tools.some((t) => t.name === 'dynamic_0'));
      assert.equal(firstText(await h.client.callTool({ name: 'dynamic_0', arguments: {} })), 'dynamic_0');
    });

    test('resources: static text and blob, template, completion', async () => {
      const list = await h.client.listResources();
      assert.deepEqual(list.resources.map((r) => r.uri).sort(), ['fixture://blob', 'fixture://hello']);
      const templates = await h.client.listResourceTemplates();
      assert.deepEqual(
        templates.resourceTemplates.map((t) => t.uriTemplate),
        ['fixture://items/{id}'],
      );
      const hello = await h.client.readResource({ uri: 'fixture://hello' });
      assert.deepEqual(hello.contents, [
        { uri: 'fixture://hello', mimeType: 'text/plain', text: 'Hello from the fixture' },
      ]);
      const blob = (await h.client.readResource({ uri: 'fixture://blob' })).contents[0];
      assert.ok(blob && 'blob' in blob);
      assert.deepEqual([...Buffer.from(blob.blob, 'base64').subarray(1, 4)], [...Buffer.from('PNG')]);
      const item = await h.client.readResource({ uri: 'fixture://items/apple' });
      assert.deepEqual(JSON.parse((item.contents[0] as { text: string }).text), { id: 'apple' });
      const completion = await h.client.complete({
        ref: { type: 'ref/resource', uri: 'fixture://items/{id}' },
        argument: { name: 'id', value: 'ap' },
      });
      assert.deepEqual(completion.completion.values, ['apple', 'apricot']);
    });

    test('resource updates reach the client only while subscribed', async () => {
      const touch = async () =>
        JSON.parse(
          firstText(await h.client.callTool({ name: 'touch_resource', arguments: { uri: 'fixture://hello' } })),
        );
      assert.deepEqual(await touch(), { notified: false });
      await h.client.subscribeResource({ uri: 'fixture://hello' });
      assert.deepEqual(await touch(), { notified: true });
      await until(() => h.updatedUris.length === 1, 'notifications/resources/updated');
      assert.deepEqual(h.updatedUris, ['fixture://hello']);
      await h.client.unsubscribeResource({ uri: 'fixture://hello' });
      assert.deepEqual(await touch(), { notified: false });
    });

    test('prompts: greet with completion, plain without arguments', async () => {
      const prompts = (await h.client.listPrompts()).prompts;
      assert.deepEqual(prompts.map((p) => p.name).sort(), ['greet', 'plain']);
      const greet = await h.client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
      assert.deepEqual(greet.messages, [{ role: 'user', content: { type: 'text', text: 'Hello, Ada!' } }]);
      const plain = await h.client.getPrompt({ name: 'plain' });
      assert.equal(plain.messages.length, 1);
      const completion = await h.client.complete({
        ref: { type: 'ref/prompt', name: 'greet' },
        argument: { name: 'name', value: 'Al' },
      });
      assert.deepEqual(completion.completion.values, ['Alice', 'Alfred']);
    });
  });
}

describe('crash takes the server down mid-call', { timeout: 20_000 }, () => {
  test('stdio: the call fails and the transport closes', async () => {
    const cmd = stdioFixtureCommand();
    const transport = new StdioClientTransport({ command: cmd.command, args: cmd.args, stderr: 'pipe' });
    const h = await connectClient(transport);
    let closed = false;
    h.client.onclose = () => {
      closed = true;
    };
    await assert.rejects(h.client.callTool({ name: 'crash', arguments: {} }));
    await until(() => closed, 'the stdio transport to close');
  });

  test('http: the call fails and the process is gone', async () => {
    const fixture = await startHttpFixture();
    const h = await connectClient(new StreamableHTTPClientTransport(new URL(fixture.url)));
    try {
      await assert.rejects(h.client.callTool({ name: 'crash', arguments: {} }));
      await until(() => fixture.child.exitCode !== null, 'the fixture process to exit');
      assert.equal(fixture.child.exitCode, 70);
    } finally {
      await h.client.close().catch(() => undefined);
      await fixture.stop();
    }
  });
});

describe('the SSE fixture refuses Streamable HTTP', () => {
  test('POST /mcp answers 405 so clients fall back to SSE', async () => {
    const fixture = await startSseFixture();
    try {
      const res = await fetch(new URL('/mcp', fixture.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      assert.equal(res.status, 405);
    } finally {
      await fixture.stop();
    }
  });
});
