/**
 * URL-mode elicitation, `-32042` retries and the form fallback, end to end: Airlock in this
 * process (startAirlock, memory vault), the elicitation fixture as a real stdio upstream, real
 * SDK clients, a real `$BROWSER` script that fetches the approved URL, and consents answered
 * through the real admin API and CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type {
  CallToolResult,
  ClientCapabilities,
  ElicitResult,
  JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { startAirlock, type Airlock } from '../../src/app/start-airlock.ts';
import { openVault } from '../../src/vault/file-vault.ts';
import { MemoryCipher } from '../../src/vault/memory-cipher.ts';
import { dataPaths } from '../../src/config/data-dir.ts';
import { SystemUrlOpener } from '../../src/consent/url-opener.ts';
import type { ConsentRequest } from '../../src/consent/consent-request.ts';
import { runCli, until } from '../helpers/gateway-harness.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/elicitation-server.ts', import.meta.url));
const CANARY = 'CANARY123';

interface Instance {
  airlock: Airlock;
  home: string;
  key: string;
  browserLog: string;
  clients: Client[];
  /** Every message the MCP clients of this instance received, serialized. */
  received: string[];
  close(): Promise<void>;
}

/** A `$BROWSER` that records the URL and fetches it, as a user's browser would load the page. */
function writeBrowserScript(dir: string, log: string): string {
  const script = path.join(dir, 'browser.mjs');
  fs.writeFileSync(
    script,
    [
      "import fs from 'node:fs';",
      'const url = process.argv[2];',
      `fs.appendFileSync(${JSON.stringify(log)}, url + '\\n');`,
      'const res = await fetch(url);',
      `fs.appendFileSync(${JSON.stringify(log)}, 'status ' + res.status + '\\n');`,
    ].join('\n'),
  );
  return script;
}

async function startInstance(elicitation: {
  consentTimeoutMs?: number;
  completionTimeoutMs?: number;
}): Promise<Instance> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-elicit-'));
  fs.writeFileSync(
    path.join(home, 'config.json'),
    JSON.stringify({ gateway: { port: 47100 }, mcpServers: { elic: { command: process.execPath, args: [FIXTURE] } } }),
    { mode: 0o600 },
  );
  const browserLog = path.join(home, 'browser.log');
  fs.writeFileSync(browserLog, '');
  const script = writeBrowserScript(home, browserLog);
  const vault = await openVault({ file: dataPaths(home).vault, cipher: new MemoryCipher() });
  const airlock = await startAirlock({
    home,
    vault,
    port: 0,
    listenSocket: false,
    backoff: { baseMs: 50, maxMs: 500 },
    urlOpener: new SystemUrlOpener({ env: { BROWSER: `${process.execPath} ${script}`, PATH: process.env.PATH } }),
    elicitation,
  });
  const instance: Instance = {
    airlock,
    home,
    key: '',
    browserLog,
    clients: [],
    received: [],
    close: async () => {
      await Promise.all(instance.clients.map((c) => c.close().catch(() => {})));
      await airlock.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
  try {
    await until(
      () => airlock.gateway.registry.states().every((s) => s.state === 'connected'),
      'fixture connected',
      20_000,
    );
    instance.key = (await airlock.gateway.clientKeys.add('tester', '*')).key;
  } catch (error) {
    await instance.close();
    throw error;
  }
  return instance;
}

interface TestClient {
  client: Client;
  /** Form elicitations that reached this client. */
  elicited: unknown[];
}

async function connect(
  instance: Instance,
  capabilities: ClientCapabilities,
  onElicit?: (params: unknown) => ElicitResult,
): Promise<TestClient> {
  const client = new Client({ name: 'elicitation-test', version: '1.0.0' }, { capabilities });
  const elicited: unknown[] = [];
  if (capabilities.elicitation) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      elicited.push(request.params);
      return onElicit ? onElicit(request.params) : { action: 'decline' };
    });
  }
  const transport = new StreamableHTTPClientTransport(new URL(`${instance.airlock.gateway.mcpUrl}/elic`), {
    requestInit: { headers: { Authorization: `Bearer ${instance.key}` } },
  });
  await client.connect(transport);
  // Everything the gateway sends this client from now on, as it arrived.
  const deliver = transport.onmessage!;
  transport.onmessage = (message: JSONRPCMessage) => {
    instance.received.push(JSON.stringify(message));
    deliver(message);
  };
  instance.clients.push(client);
  return { client, elicited };
}

async function admin(
  instance: Instance,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${instance.airlock.gateway.origin}/api${route}`, {
    method,
    headers: {
      authorization: `Bearer ${instance.airlock.gateway.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

/** Waits for a pending consent not seen before (by id) and returns it. */
async function nextConsent(instance: Instance, seen: Set<string>, what = 'a consent request'): Promise<ConsentRequest> {
  let found: ConsentRequest | undefined;
  await until(
    async () => {
      const { json } = await admin(instance, 'GET', '/consents');
      found = (json as ConsentRequest[]).find((request) => !seen.has(request.id));
      return found !== undefined;
    },
    what,
    15_000,
  );
  seen.add(found!.id);
  return found!;
}

async function answer(instance: Instance, id: string, decision: Record<string, unknown>): Promise<unknown> {
  const { status, json } = await admin(instance, 'POST', `/consents/${id}`, decision);
  assert.equal(status, 200, JSON.stringify(json));
  return json;
}

function textOf(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  assert.equal(content?.type, 'text');
  return content.text;
}

async function pendingCount(instance: Instance): Promise<number> {
  return ((await admin(instance, 'GET', '/consents')).json as unknown[]).length;
}

function browserOpened(instance: Instance): string[] {
  return fs
    .readFileSync(instance.browserLog, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('http'));
}

describe('elicitation through the gateway', { timeout: 120_000 }, () => {
  let main: Instance;
  let short: Instance;

  before(async () => {
    [main, short] = await Promise.all([
      startInstance({}),
      startInstance({ consentTimeoutMs: 1500, completionTimeoutMs: 1500 }),
    ]);
  });

  after(async () => {
    try {
      // The secret query reached the browser, and nothing the MCP clients received or the audit log.
      for (const instance of [main, short]) {
        assert.ok(instance.received.length > 0);
        for (const message of instance.received) assert.ok(!message.includes(CANARY), `client saw ${message}`);
        for (const message of instance.received) assert.ok(!message.includes('elicitation/complete'), message);
        const audit = fs.readFileSync(dataPaths(instance.home).audit, 'utf8');
        assert.ok(!audit.includes(CANARY), 'audit.jsonl holds the secret query');
        assert.match(audit, /"type":"elicitation"/);
      }
      assert.ok(browserOpened(main).some((url) => url.includes(`code=${CANARY}`)));
    } finally {
      await Promise.all([main?.close(), short?.close()]);
    }
  });

  describe('URL mode elicitation/create', () => {
    it('asks the user, opens the URL on approval and answers accept', async () => {
      const { client } = await connect(main, { elicitation: { form: {}, url: {} } });
      const call = client.callTool({ name: 'url_elicit' });
      const consent = await nextConsent(main, new Set());
      assert.equal(consent.kind, 'url-elicitation');
      assert.equal(consent.server, 'elic');
      assert.equal(consent.message, 'Please connect your example account');
      assert.equal(consent.host, '127.0.0.1');
      assert.ok(consent.url?.includes(`code=${CANARY}`));
      const before = browserOpened(main).length;
      await answer(main, consent.id, { action: 'approve' });
      assert.equal(textOf(await call), 'action=accept');
      await until(() => browserOpened(main).length > before, 'the browser opened the URL');
      assert.equal(browserOpened(main).at(-1), consent.url);
    });

    it('answers decline when the user denies, without opening anything', async () => {
      const { client } = await connect(main, {});
      const before = browserOpened(main).length;
      const call = client.callTool({ name: 'url_elicit' });
      const consent = await nextConsent(main, new Set());
      await answer(main, consent.id, { action: 'deny' });
      assert.equal(textOf(await call), 'action=decline');
      assert.equal(browserOpened(main).length, before);
    });

    it('answers cancel when the consent expires', async () => {
      const { client } = await connect(short, {});
      const call = client.callTool({ name: 'url_elicit' });
      await nextConsent(short, new Set());
      assert.equal(textOf(await call), 'action=cancel');
      assert.equal(await pendingCount(short), 0);
    });
  });

  describe('-32042 URLElicitationRequired', () => {
    it('one elicitation: approve, completion, one transparent retry (client without elicitation support)', async () => {
      const { client } = await connect(main, {});
      const call = client.callTool({ name: 'needs_auth' });
      const consent = await nextConsent(main, new Set());
      assert.equal(consent.kind, 'url-elicitation');
      assert.equal(consent.needsDone, true);
      assert.equal(consent.message, 'Connect account 1 of 1 for needs_auth');
      await answer(main, consent.id, { action: 'approve' });
      const result = (await call) as CallToolResult;
      assert.equal(result.isError, undefined);
      assert.equal(textOf(result), 'ok calls=2');
      // The "mark done" follow-up went away when the completion notification arrived.
      await until(async () => (await pendingCount(main)) === 0, 'no consent left open');
    });

    it('two elicitations: both approved, then one retry (client that supports URL elicitation itself)', async () => {
      const { client, elicited } = await connect(main, { elicitation: { form: {}, url: {} } });
      const call = client.callTool({ name: 'needs_two_auths' });
      const seen = new Set<string>();
      const first = await nextConsent(main, seen, 'the first elicitation');
      const second = await nextConsent(main, seen, 'the second elicitation');
      assert.deepEqual([first.message, second.message].sort(), [
        'Connect account 1 of 2 for needs_two_auths',
        'Connect account 2 of 2 for needs_two_auths',
      ]);
      await answer(main, first.id, { action: 'approve' });
      await answer(main, second.id, { action: 'approve' });
      assert.equal(textOf(await call), 'ok calls=2');
      assert.deepEqual(elicited, [], 'Airlock handled it; the client was never asked');
    });

    it('no completion notification: the user marks it done with `airlock approve --done`', async () => {
      const { client } = await connect(main, {});
      const call = client.callTool({ name: 'silent_auth' });
      const seen = new Set<string>();
      const consent = await nextConsent(main, seen);
      const approved = await runCli(main.home, ['approve', consent.id]);
      assert.equal(approved.code, 0, approved.stderr);
      const followUp = await nextConsent(main, seen, 'the "done" follow-up');
      assert.equal(followUp.needsDone, true);
      assert.equal(followUp.url, undefined);
      // The page was loaded by the browser script before the user says so.
      await until(() => fs.readFileSync(main.browserLog, 'utf8').includes('status 200'), 'the page loaded');
      const done = await runCli(main.home, ['approve', followUp.id, '--done', '--json']);
      assert.equal(done.code, 0, done.stderr);
      assert.equal((JSON.parse(done.stdout) as { action: string }).action, 'done');
      assert.equal(textOf(await call), 'ok calls=2');
    });

    it('declined: a clear tool error, no retry', async () => {
      const { client } = await connect(main, {});
      const call = client.callTool({ name: 'needs_auth' });
      const consent = await nextConsent(main, new Set());
      await answer(main, consent.id, { action: 'deny' });
      const result = (await call) as CallToolResult;
      assert.equal(result.isError, true);
      assert.match(textOf(result), /"elic" needs you to complete a step in your browser.*declined/);
      // The upstream saw one call: the next one is its second.
      const again = client.callTool({ name: 'needs_auth' });
      const retry = await nextConsent(main, new Set([consent.id]));
      await answer(main, retry.id, { action: 'deny' });
      assert.equal(((await again) as CallToolResult).isError, true);
    });

    it('completion never arrives: the wait is bounded and the client gets a clear error', async () => {
      const { client } = await connect(short, {});
      const call = client.callTool({ name: 'never_completes' });
      const consent = await nextConsent(short, new Set());
      await answer(short, consent.id, { action: 'approve' });
      const result = (await call) as CallToolResult;
      assert.equal(result.isError, true);
      assert.match(textOf(result), /did not learn that it was completed in time/);
      await until(async () => (await pendingCount(short)) === 0, 'the follow-up expired');
    });
  });

  describe('form mode', () => {
    it('goes to a client that shows forms', async () => {
      const { client, elicited } = await connect(main, { elicitation: { form: {} } }, () => ({
        action: 'accept',
        content: { name: 'Ada', age: 36 },
      }));
      const result = JSON.parse(textOf(await client.callTool({ name: 'form_elicit' }))) as ElicitResult;
      assert.deepEqual(result, { action: 'accept', content: { name: 'Ada', age: 36 } });
      assert.equal(elicited.length, 1);
      assert.equal(await pendingCount(main), 0);
    });

    it('is shown by Airlock for a client without forms, and invalid answers are not sent', async () => {
      const { client } = await connect(main, { elicitation: { url: {} } });
      const call = client.callTool({ name: 'form_elicit' });
      const seen = new Set<string>();
      const consent = await nextConsent(main, seen);
      assert.equal(consent.kind, 'form-elicitation');
      assert.equal(consent.message, 'Tell us about yourself');
      assert.deepEqual((consent.formSchema as { required: string[] }).required, ['name']);
      await answer(main, consent.id, { action: 'approve', content: { age: -1 } });
      const again = await nextConsent(main, seen, 'the form asked again');
      assert.match(again.message, /did not send your previous answer: .*name/);
      assert.match(again.message, /Tell us about yourself$/);
      await answer(main, again.id, { action: 'approve', content: { name: 'Grace', age: 85 } });
      const result = JSON.parse(textOf(await call)) as ElicitResult;
      assert.deepEqual(result, { action: 'accept', content: { name: 'Grace', age: 85 } });
    });

    it('answers decline when the user denies the form', async () => {
      const { client } = await connect(main, {});
      const call = client.callTool({ name: 'form_elicit' });
      const consent = await nextConsent(main, new Set());
      await answer(main, consent.id, { action: 'deny' });
      assert.deepEqual(JSON.parse(textOf(await call)), { action: 'decline' });
    });
  });
});
