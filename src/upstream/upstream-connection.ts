import type { Readable } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  ClientCapabilities,
  Implementation,
  JSONRPCRequest,
  Notification,
  Result,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { AirlockError, describeError, quote } from '../errors.ts';
import { isStdioServer, type RemoteServerConfig, type ServerConfig, type StdioServerConfig } from '../config/schema.ts';
import { resolveRecord, resolveTemplate, type ReferenceSource } from '../secrets/references.ts';
import type { Redactor } from '../secrets/redactor.ts';
import { pipeStderrToLog } from './stderr-log.ts';
import { nodeHttpFetch } from './node-http-fetch.ts';
import { AIRLOCK_VERSION } from '../version.ts';

/** What the gateway does with traffic an upstream starts: requests (sampling, elicitation, roots) and notifications. */
export interface UpstreamHandlers {
  onRequest(request: JSONRPCRequest, signal: AbortSignal): Promise<Result>;
  onNotification(notification: Notification): void;
  /** The connection ended (process exit, HTTP session gone, or close()). */
  onClose(): void;
}

export interface UpstreamConnectOptions {
  name: string;
  config: ServerConfig;
  references: ReferenceSource;
  capabilities: ClientCapabilities;
  handlers: UpstreamHandlers;
  /** Per-server stderr log file for stdio servers. */
  stderrLog?: string;
  redactor?: Redactor;
  /** OAuth for remote servers that answer 401 (MCP Authorization). */
  authProvider?: OAuthClientProvider;
  /** How this connection introduces itself upstream. */
  clientInfo?: Implementation;
}

/** A live MCP connection to one upstream server. */
export interface UpstreamLink {
  readonly name: string;
  readonly client: Client;
  readonly capabilities: ServerCapabilities;
  readonly serverInfo: Implementation | undefined;
  readonly instructions: string | undefined;
  readonly transportKind: 'stdio' | 'streamable-http' | 'sse';
  readonly pid: number | undefined;
  close(): Promise<void>;
}

/** The upstream requires the user to sign in (HTTP 401 with MCP Authorization). */
export class NeedsSignInError extends AirlockError {
  constructor(server: string) {
    super('UPSTREAM_NEEDS_SIGNIN', `server ${quote(server)} needs sign-in`);
  }
}

/** The upstream could not be reached or refused the MCP handshake. */
export class UpstreamUnavailableError extends AirlockError {
  constructor(server: string, reason: string, options?: { cause?: unknown }) {
    super('UPSTREAM_UNAVAILABLE', `server ${quote(server)} is unavailable: ${reason}`, options);
  }
}

function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError || error instanceof SseError) return error.code;
  return undefined;
}

async function stdioTransport(
  options: UpstreamConnectOptions,
  config: StdioServerConfig,
): Promise<StdioClientTransport> {
  const { references } = options;
  const env = { ...getDefaultEnvironment(), ...(await resolveRecord(config.env, references)) };
  const args: string[] = [];
  for (const arg of config.args) args.push(await resolveTemplate(arg, references));
  const transport = new StdioClientTransport({
    command: await resolveTemplate(config.command, references),
    args,
    env,
    ...(config.cwd ? { cwd: await resolveTemplate(config.cwd, references) } : {}),
    stderr: 'pipe',
  });
  const stderr = transport.stderr;
  if (stderr && options.stderrLog) pipeStderrToLog(stderr as Readable, options.stderrLog, options.redactor);
  else stderr?.on('data', () => {});
  return transport;
}

/**
 * A fetch that fills in the configured headers at the moment each request is sent, so a secret
 * or an OAuth token is read when needed (and a refreshed token is used at once).
 */
function fetchWithResolvedHeaders(config: RemoteServerConfig, references: ReferenceSource) {
  const base = nodeHttpFetch();
  const templates = config.headers;
  if (!templates || Object.keys(templates).length === 0) return base;
  return async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    for (const [key, value] of Object.entries(await resolveRecord(templates, references))) headers.set(key, value);
    return base(url, { ...init, headers });
  };
}

function remoteTransport(
  options: UpstreamConnectOptions,
  config: RemoteServerConfig,
  url: URL,
  kind: 'streamable-http' | 'sse',
): Transport {
  const fetchLike = fetchWithResolvedHeaders(config, options.references);
  const common = {
    fetch: fetchLike,
    ...(options.authProvider ? { authProvider: options.authProvider } : {}),
  };
  return kind === 'sse' ? new SSEClientTransport(url, common) : new StreamableHTTPClientTransport(url, common);
}

function newClient(options: UpstreamConnectOptions): Client {
  const client = new Client(options.clientInfo ?? { name: 'airlock', version: AIRLOCK_VERSION }, {
    capabilities: options.capabilities,
  });
  client.fallbackRequestHandler = async (request, extra) => options.handlers.onRequest(request, extra.signal);
  client.fallbackNotificationHandler = async (notification) => options.handlers.onNotification(notification);
  return client;
}

async function connectWith(
  options: UpstreamConnectOptions,
  transport: Transport,
  kind: UpstreamLink['transportKind'],
): Promise<UpstreamLink> {
  const client = newClient(options);
  // The owner hears of the end once, whoever ended it: the server, or close() (a supervisor
  // restarting the server after a secret changed must make its sessions reconnect). Only a
  // connection that was made can end: a failed attempt closes its transport asynchronously, and
  // that must not reach the owner, which by then may hold the connection the fallback made.
  let connected = false;
  let closedWhileConnecting = false;
  let closed = false;
  const notifyClosed = () => {
    if (!connected) {
      closedWhileConnecting = true;
      return;
    }
    if (closed) return;
    closed = true;
    options.handlers.onClose();
  };
  client.onclose = notifyClosed;
  // Errors on the transport after connect (a stray line of garbage, a dropped SSE stream) are
  // not fatal to the connection; the SDK reports them here.
  client.onerror = () => {};
  await client.connect(transport);
  if (closedWhileConnecting) throw new Error('the server closed the connection during the handshake');
  connected = true;
  if (transport instanceof StdioClientTransport) watchStdoutEnd(transport, client);
  return {
    name: options.name,
    client,
    capabilities: client.getServerCapabilities() ?? {},
    serverInfo: client.getServerVersion(),
    instructions: client.getInstructions(),
    transportKind: kind,
    pid: transport instanceof StdioClientTransport ? (transport.pid ?? undefined) : undefined,
    close: async () => {
      notifyClosed();
      // Tell a Streamable HTTP server its session is over (the spec's DELETE), without waiting
      // long on a server that no longer answers.
      if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          transport.terminateSession().catch(() => {}),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, 2000);
          }),
        ]);
        clearTimeout(timer);
      }
      await client.close().catch(() => {});
    },
  };
}

/**
 * A server that closes its stdout but keeps running can never answer again; the SDK only notices
 * when the process exits, so calls would wait for their timeout. End the connection at once.
 * (The SDK keeps the child private; reading it is the one place Airlock reaches inside the SDK.)
 */
function watchStdoutEnd(transport: StdioClientTransport, client: Client): void {
  const child = (transport as unknown as { _process?: ChildProcess })._process;
  child?.stdout?.once('end', () => void client.close().catch(() => {}));
}

/**
 * Connects to one upstream server: spawns a stdio server, or opens a Streamable HTTP session,
 * falling back to the legacy HTTP+SSE transport when the server refuses Streamable HTTP.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#backwards-compatibility
 */
export async function connectUpstream(options: UpstreamConnectOptions): Promise<UpstreamLink> {
  const { config, name } = options;
  if (isStdioServer(config)) {
    const transport = await stdioTransport(options, config);
    try {
      return await connectWith(options, transport, 'stdio');
    } catch (error) {
      await transport.close().catch(() => {});
      throw new UpstreamUnavailableError(name, describeError(error), { cause: error });
    }
  }
  const rawUrl = await resolveTemplate(config.url, options.references);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UpstreamUnavailableError(name, 'its url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UpstreamUnavailableError(name, `unsupported URL scheme ${quote(url.protocol)}`);
  const preferred = config.transport ?? (config.type === 'sse' ? 'sse' : undefined);
  const attempts: ('streamable-http' | 'sse')[] = preferred ? [preferred] : ['streamable-http', 'sse'];
  let lastError: unknown;
  for (const kind of attempts) {
    const transport = remoteTransport(options, config, url, kind);
    try {
      return await connectWith(options, transport, kind);
    } catch (error) {
      await transport.close().catch(() => {});
      if (error instanceof UnauthorizedError || httpStatusOf(error) === 401) throw new NeedsSignInError(name);
      lastError = error;
      const status = httpStatusOf(error);
      // Only a refusal of the Streamable HTTP endpoint itself means "try the legacy transport".
      if (kind === 'streamable-http' && status !== undefined && status >= 400 && status < 500) continue;
      break;
    }
  }
  throw new UpstreamUnavailableError(name, describeError(lastError), { cause: lastError });
}
