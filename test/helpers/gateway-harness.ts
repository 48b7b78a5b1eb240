/**
 * Runs a real Airlock gateway for integration tests: in-process (`startGatewayHarness`) or as the
 * `airlock serve` child process (`startServeProcess`), in a temp data directory whose config.json
 * fronts real fixture servers: `local` (everything server over stdio), `remote` (Streamable HTTP)
 * and optionally `sse` (legacy HTTP+SSE). The vault uses the passphrase backend, so the CLI run as a
 * separate process (`runCli`) reads and writes the same vault as the gateway.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type {
  CallToolResult,
  ClientCapabilities,
  LoggingMessageNotification,
  Root,
} from '@modelcontextprotocol/sdk/types.js';
import { startGateway } from '../../src/gateway/gateway.ts';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { openVault } from '../../src/vault/file-vault.ts';
import { createCipher } from '../../src/vault/select-cipher.ts';
import { dataPaths } from '../../src/config/data-dir.ts';
import { startHttpFixture, startSseFixture, stdioFixtureCommand } from './spawn-fixture.ts';
import type { RunningFixture } from './spawn-fixture.ts';

export const BIN = fileURLToPath(new URL('../../bin/airlock.js', import.meta.url));
export const PASSPHRASE = 'gateway-harness-passphrase';
/** What the CLI and the gateway child need to open the harness's vault. */
export const VAULT_ENV: Readonly<Record<string, string>> = {
  AIRLOCK_SECRET_BACKEND: 'passphrase',
  AIRLOCK_PASSPHRASE: PASSPHRASE,
};

export interface HomeOptions {
  /** Also start the legacy SSE fixture as server `sse` (sorted after `local`, so `local` owns shared URIs). */
  sse?: boolean;
  /** Extra or overriding `mcpServers` entries. */
  servers?: Record<string, unknown>;
  /** Per-server `timeoutMs` for `local` and `remote`. */
  timeoutMs?: number;
  /** Skip the `remote` HTTP fixture. */
  noRemote?: boolean;
}

export interface PreparedHome {
  home: string;
  fixtures: { remote?: RunningFixture; legacy?: RunningFixture };
  /** Stops the fixtures and removes the directory. */
  cleanup(): Promise<void>;
}

/** A temp data directory with config.json naming the fixture servers (fixtures started here). */
export async function prepareHome(opts: HomeOptions = {}): Promise<PreparedHome> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-gw-'));
  const fixtures: PreparedHome['fixtures'] = {};
  const cleanup = async () => {
    await Promise.all([fixtures.remote?.stop(), fixtures.legacy?.stop()]);
    fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    const [remote, legacy] = await Promise.all([
      opts.noRemote ? undefined : startHttpFixture({ name: 'fx-remote' }),
      opts.sse ? startSseFixture({ name: 'fx-legacy' }) : undefined,
    ]);
    if (remote) fixtures.remote = remote;
    if (legacy) fixtures.legacy = legacy;
    const timeout = opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {};
    const local = stdioFixtureCommand({ name: 'fx-local' });
    const servers: Record<string, unknown> = {
      local: { command: local.command, args: local.args, ...timeout },
      ...(remote ? { remote: { url: remote.url, ...timeout } } : {}),
      ...(legacy ? { sse: { url: legacy.url } } : {}),
      ...opts.servers,
    };
    fs.writeFileSync(
      path.join(home, 'config.json'),
      `${JSON.stringify({ gateway: { port: 47100 }, mcpServers: servers }, null, 2)}\n`,
      { mode: 0o600 },
    );
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { home, fixtures, cleanup };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/airlock.js --home HOME ARGS...` to completion (bounded), with the harness vault env. */
export function runCli(
  home: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--home', home, ...args], {
      env: { ...process.env, ...VAULT_ENV, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Polls a condition until it holds, or fails the test after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function firstText(result: unknown): string {
  const content = (result as CallToolResult).content[0];
  assert.equal(content?.type, 'text');
  return content.text;
}

/** Whether a process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every live descendant process of `pid` (Linux /proc). */
export function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out.filter(isAlive);
}

/** Descendants of `pid` that run the everything fixture over stdio. */
export function stdioFixturePids(pid: number): number[] {
  return descendantPids(pid).filter((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('everything-server.ts\0--stdio');
    } catch {
      return false;
    }
  });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): unknown;
}

/** One HTTP request with full control of the headers (fetch forbids Host), reading the whole answer. */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: opts.method ?? 'POST',
        headers: opts.headers ?? {},
        timeout: opts.timeoutMs ?? 10_000,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (body += s));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('raw request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Headers of an MCP POST from a well-behaved client, plus a bearer token. */
export function mcpHeaders(key: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...extra,
  };
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
};

export interface ClientHandlers {
  /** Answer to sampling/createMessage, given the prompt text. */
  sample?: (prompt: string) => string | Promise<string>;
  /** Content of an accepted form elicitation, given the message. */
  elicit?: (message: string) => Record<string, string>;
  roots?: Root[];
}

/** An SDK client connected to the gateway, recording what the gateway pushes to it. */
export interface RecordingClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  logs: LoggingMessageNotification['params'][];
  toolListChanged: number;
  promptListChanged: number;
  updatedUris: string[];
  sampled: string[];
  elicited: string[];
  rootsAsked: number;
  close(): Promise<void>;
}

/** Connects an SDK client over Streamable HTTP with `Authorization: Bearer KEY`. */
export async function connectClient(
  url: string,
  key: string,
  handlers: ClientHandlers = {},
  opts: { name?: string; capabilities?: ClientCapabilities } = {},
): Promise<RecordingClient> {
  const capabilities: ClientCapabilities = opts.capabilities ?? {
    sampling: {},
    elicitation: { form: {} },
    roots: { listChanged: true },
  };
  const client = new Client({ name: opts.name ?? 'gateway-test-client', version: '1.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  const r: RecordingClient = {
    client,
    transport,
    logs: [],
    toolListChanged: 0,
    promptListChanged: 0,
    updatedUris: [],
    sampled: [],
    elicited: [],
    rootsAsked: 0,
    close: async () => {
      await transport.terminateSession().catch(() => {});
      await client.close().catch(() => {});
    },
  };
  if (capabilities.sampling) {
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      const content = req.params.messages[0]?.content;
      const prompt = content && !Array.isArray(content) && content.type === 'text' ? content.text : '';
      r.sampled.push(prompt);
      const text = handlers.sample ? await handlers.sample(prompt) : `answer to ${prompt}`;
      return { role: 'assistant', model: 'test-model', content: { type: 'text', text } };
    });
  }
  if (capabilities.elicitation) {
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      r.elicited.push(req.params.message);
      return {
        action: 'accept',
        content: handlers.elicit ? handlers.elicit(req.params.message) : { answer: `yes: ${req.params.message}` },
      };
    });
  }
  if (capabilities.roots) {
    client.setRequestHandler(ListRootsRequestSchema, () => {
      r.rootsAsked++;
      return { roots: handlers.roots ?? [{ uri: 'file:///tmp/airlock-root', name: 'root' }] };
    });
  }
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    r.logs.push(n.params);
  });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    r.toolListChanged++;
  });
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => {
    r.promptListChanged++;
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    r.updatedUris.push(n.params.uri);
  });
  await client.connect(transport);
  return r;
}

export interface GatewayHarness {
  home: string;
  gateway: Gateway;
  fixtures: PreparedHome['fixtures'];
  /** `http://127.0.0.1:PORT/mcp`, or `/mcp/SERVER` when a server is named. */
  url(server?: string): string;
  /** Creates a static client key (as `airlock client add` does) and returns the key. */
  addClient(name: string, servers?: '*' | string[]): Promise<string>;
  connect(key: string, server?: string, handlers?: ClientHandlers): Promise<RecordingClient>;
  cli(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<CliResult>;
  close(): Promise<void>;
}

/** Starts the gateway in this process (fast restart backoff, passphrase vault, port 0). */
export async function startGatewayHarness(
  opts: HomeOptions & { socket?: boolean; quickAnswerMs?: number } = {},
): Promise<GatewayHarness> {
  const prepared = await prepareHome(opts);
  const clients: RecordingClient[] = [];
  let gateway: Gateway | undefined;
  try {
    const vault = await openVault({
      file: dataPaths(prepared.home).vault,
      cipher: createCipher({ env: VAULT_ENV, home: prepared.home }),
    });
    gateway = await startGateway({
      home: prepared.home,
      vault,
      port: 0,
      listenSocket: opts.socket ?? true,
      backoff: { baseMs: 50, maxMs: 500 },
      ...(opts.quickAnswerMs ? { quickAnswerMs: opts.quickAnswerMs } : {}),
    });
  } catch (error) {
    await prepared.cleanup();
    throw error;
  }
  const gw = gateway;
  await until(
    () => gw.registry.states().every((s) => s.state === 'connected'),
    `every server connected: ${JSON.stringify(gw.registry.states().map((s) => [s.name, s.state, s.reason]))}`,
    20_000,
  );
  return {
    home: prepared.home,
    gateway: gw,
    fixtures: prepared.fixtures,
    url: (server) => (server ? `${gw.mcpUrl}/${server}` : gw.mcpUrl),
    addClient: async (name, servers = '*') => (await gw.clientKeys.add(name, servers)).key,
    connect: async (key, server, handlers) => {
      const client = await connectClient(server ? `${gw.mcpUrl}/${server}` : gw.mcpUrl, key, handlers);
      clients.push(client);
      return client;
    },
    cli: (args, cliOpts) => runCli(prepared.home, args, cliOpts),
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await gw.close();
      await prepared.cleanup();
    },
  };
}

export interface ServeProcess {
  home: string;
  child: ChildProcess;
  pid: number;
  port: number;
  mcpUrl: string;
  fixtures: PreparedHome['fixtures'];
  stdout(): string;
  stderr(): string;
  cli(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<CliResult>;
  /** Sends a signal and waits for the exit (code, signal). */
  signal(sig: NodeJS.Signals, ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  close(): Promise<void>;
}

const liveServes = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveServes) child.kill('SIGKILL');
});

function waitExit(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit within ${ms}ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/**
 * The MCP URL an `airlock serve` child prints once it listens (its stdout must be set to utf8);
 * rejects if the child exits first or prints nothing of the kind within `ms`.
 */
export function waitForMcpUrl(child: ChildProcess, stderr: () => string, ms = 20_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let seen = '';
    const done = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    const onData = (s: string) => {
      seen += s;
      const match = /MCP endpoint: (\S+)/.exec(seen);
      if (match?.[1]) {
        done();
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`serve exited (${code}) before listening: ${stderr()}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`serve did not start: ${stderr()}`));
    }, ms);
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * `airlock serve --home DIR --port 0` as a child process; resolves once it printed its MCP URL and
 * every configured server is connected.
 */
export async function startServeProcess(
  opts: HomeOptions & { prepared?: PreparedHome; waitConnected?: boolean } = {},
): Promise<ServeProcess> {
  const prepared = opts.prepared ?? (await prepareHome(opts));
  const child = spawn(process.execPath, [BIN, 'serve', '--home', prepared.home, '--port', '0'], {
    env: { ...process.env, ...VAULT_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveServes.add(child);
  child.once('exit', () => liveServes.delete(child));
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-20_000)));
  const cli = (args: string[], cliOpts?: { input?: string; env?: Record<string, string> }) =>
    runCli(prepared.home, args, cliOpts);
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await waitExit(child, 10_000).catch(() => {
        child.kill('SIGKILL');
      });
    }
    await prepared.cleanup();
  };
  try {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    const mcpUrl = await waitForMcpUrl(child, () => stderr);
    if (opts.waitConnected ?? true) {
      await until(
        async () => {
          const status = await cli(['status', '--json']);
          const parsed = JSON.parse(status.stdout || '{}') as { servers?: { state: string }[] };
          return Boolean(parsed.servers?.length) && parsed.servers!.every((s) => s.state === 'connected');
        },
        'every server connected',
        20_000,
      );
    }
    return {
      home: prepared.home,
      child,
      pid: child.pid!,
      port: Number(new URL(mcpUrl).port),
      mcpUrl,
      fixtures: prepared.fixtures,
      stdout: () => stdout,
      stderr: () => stderr,
      cli,
      signal: async (sig, ms = 15_000) => {
        child.kill(sig);
        return waitExit(child, ms);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
