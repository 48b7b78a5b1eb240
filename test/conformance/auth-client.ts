/**
 * The "client under test" for the official conformance CLI's client auth scenarios
 * (`conformance client --command "node test/conformance/auth-client.ts" --scenario auth/...`).
 *
 * The CLI starts a scenario MCP server and authorization server, then runs this script with the
 * server URL as the last argument, `MCP_CONFORMANCE_SCENARIO` set to the scenario name and, for
 * some scenarios, `MCP_CONFORMANCE_CONTEXT` (JSON, e.g. pre-registered client credentials).
 * The scenario's authorization server approves every authorization request at once and redirects
 * to the `redirect_uri` with a code.
 *
 * What runs here is Airlock's real upstream OAuth client: Airlock in-process with one remote
 * server `conf` at that URL, a memory vault, the sign-in consent approved through the consent
 * broker as a user would, and a "browser" that follows the authorization URL's redirects with
 * plain HTTP until it loads Airlock's `/oauth/callback`. A real SDK client then talks to the
 * gateway at `/mcp/conf`: initialize, tools/list, and a call of each tool the server lists
 * (the scenario servers have one, `test-tool`, whose calls may need more scope than listing).
 * A failed step is recorded in the summary (the harness reads it), not hidden.
 *
 * Exit code 0 when every step succeeded; the last stdout line is a JSON summary either way.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startAirlock, type Airlock } from '../../src/app/start-airlock.ts';
import { dataPaths } from '../../src/config/data-dir.ts';
import type { UrlOpener } from '../../src/consent/url-opener.ts';
import { openVault } from '../../src/vault/file-vault.ts';
import { MemoryCipher } from '../../src/vault/memory-cipher.ts';

/** The conformance CLI kills a client after 30 s by default; finish (and clean up) well before. */
const OVERALL_TIMEOUT_MS = 25_000;
const REQUEST_TIMEOUT_MS = 20_000;
const SERVER = 'conf';
const CLIENT_SECRET_NAME = 'conf-client-secret';
/** The one tool every auth scenario server of the conformance package offers. */
const SCENARIO_TOOL = 'test-tool';

/** What this run did, printed as the last stdout line (the harness reads it from stdout.txt). */
export interface AuthClientSummary {
  scenario: string;
  ok: boolean;
  consents: number;
  browserVisits: { status: number; callback: boolean }[];
  tools: string[];
  calls: { name: string; ok: boolean; error?: string }[];
  errors: string[];
}

interface ScenarioContext {
  client_id?: string;
  client_secret?: string;
}

function log(message: string): void {
  process.stderr.write(`[auth-client] ${message}\n`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function readContext(): ScenarioContext {
  const raw = process.env.MCP_CONFORMANCE_CONTEXT;
  if (!raw) return {};
  try {
    return JSON.parse(raw) as ScenarioContext;
  } catch {
    return {};
  }
}

/**
 * Plays the user's browser: loads the authorization URL and follows redirects (as a browser
 * does, without running anything) until it has loaded Airlock's callback page.
 */
async function browse(start: string, callbackOrigin: string, summary: AuthClientSummary): Promise<void> {
  let url = new URL(start);
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await response.text();
    const callback = url.origin === callbackOrigin && url.pathname === '/oauth/callback';
    summary.browserVisits.push({ status: response.status, callback });
    const location = response.headers.get('location');
    if (callback || response.status < 300 || response.status >= 400 || !location) {
      log(`browser stopped at ${url.origin}${url.pathname}: HTTP ${response.status} ${body.slice(0, 200)}`);
      return;
    }
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}

async function run(serverUrl: string, scenario: string, summary: AuthClientSummary): Promise<() => Promise<void>> {
  const context = readContext();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-conf-auth-'));
  const preRegistered = context.client_id
    ? {
        oauth: {
          clientId: context.client_id,
          ...(context.client_secret ? { clientSecret: `\${secret:${CLIENT_SECRET_NAME}}` } : {}),
        },
      }
    : {};
  fs.writeFileSync(
    path.join(home, 'config.json'),
    JSON.stringify({ gateway: { port: 47100 }, mcpServers: { [SERVER]: { url: serverUrl, ...preRegistered } } }),
    { mode: 0o600 },
  );
  const vault = await openVault({ file: dataPaths(home).vault, cipher: new MemoryCipher() });
  if (context.client_secret) await vault.set(`secret/${CLIENT_SECRET_NAME}`, context.client_secret);

  // The opener is handed to startAirlock before the gateway (and so its origin) exists.
  const started: { airlock?: Airlock } = {};
  const browsing: Promise<void>[] = [];
  // Resolves once the browser started, like a real one: the page loads after the approval was recorded.
  const urlOpener: UrlOpener = {
    open: async (url) => {
      const visit = browse(url, started.airlock!.gateway.origin, summary).catch((error: unknown) => {
        summary.errors.push(`browser: ${errorText(error)}`);
      });
      browsing.push(visit);
    },
  };
  const airlock = await startAirlock({ home, vault, port: 0, listenSocket: false, urlOpener });
  started.airlock = airlock;
  airlock.consents.subscribe((event) => {
    if (event.type !== 'added') return;
    const { request } = event;
    log(`consent ${request.kind} for ${request.server}: ${request.message}`);
    if (request.kind === 'upstream-signin' && request.server === SERVER) {
      summary.consents++;
      airlock.consents.answer(request.id, { action: 'approve' }, 'conformance');
    } else {
      airlock.consents.answer(request.id, { action: 'deny' }, 'conformance');
    }
  });

  const { key } = await airlock.gateway.clientKeys.add('conformance', '*');
  const client = new Client({ name: 'airlock-conformance-auth-client', version: '1.0.0' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(new URL(`${airlock.gateway.mcpUrl}/${SERVER}`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const cleanup = async () => {
    await client.close().catch(() => {});
    await Promise.allSettled(browsing);
    await airlock.close().catch((error: unknown) => log(`close: ${errorText(error)}`));
    await vault.close();
    fs.rmSync(home, { recursive: true, force: true });
  };

  try {
    await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
  } catch (error) {
    summary.errors.push(`initialize: ${errorText(error)}`);
    return cleanup;
  }
  try {
    const listed = await client.listTools(undefined, { timeout: REQUEST_TIMEOUT_MS });
    summary.tools = listed.tools.map((tool) => tool.name);
  } catch (error) {
    summary.errors.push(`tools/list: ${errorText(error)}`);
  }
  // Still call the scenario's tool when listing failed: the call path has its own sign-in and
  // step-up handling, and the scenario's checks should see it (the listing error stays reported).
  for (const name of summary.tools.length ? summary.tools : [SCENARIO_TOOL]) {
    try {
      const result = await client.callTool({ name, arguments: {} }, undefined, { timeout: REQUEST_TIMEOUT_MS });
      summary.calls.push({ name, ok: !result.isError });
    } catch (error) {
      summary.calls.push({ name, ok: false, error: errorText(error) });
    }
  }
  return cleanup;
}

async function main(): Promise<void> {
  const serverUrl = process.argv.at(-1);
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? 'unknown';
  const summary: AuthClientSummary = {
    scenario,
    ok: false,
    consents: 0,
    browserVisits: [],
    tools: [],
    calls: [],
    errors: [],
  };
  const finish = (code: number) => {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    process.exit(code);
  };
  setTimeout(() => {
    summary.errors.push(`timed out after ${OVERALL_TIMEOUT_MS} ms`);
    finish(1);
  }, OVERALL_TIMEOUT_MS).unref();
  if (!serverUrl || !/^https?:\/\//.test(serverUrl)) {
    summary.errors.push('usage: auth-client.ts SERVER_URL');
    finish(2);
    return;
  }
  let cleanup: (() => Promise<void>) | undefined;
  try {
    cleanup = await run(serverUrl, scenario, summary);
  } catch (error) {
    summary.errors.push(errorText(error));
  }
  await cleanup?.().catch((error: unknown) => summary.errors.push(`cleanup: ${errorText(error)}`));
  summary.ok = summary.errors.length === 0 && summary.tools.length > 0 && summary.calls.every((call) => call.ok);
  finish(summary.ok ? 0 : 1);
}

await main();
