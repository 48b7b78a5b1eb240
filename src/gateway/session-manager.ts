import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ClientGrant } from '../clients/client-grant.ts';
import { grantAllows } from '../clients/client-grant.ts';
import type { UpstreamRegistry } from '../upstream/upstream-registry.ts';
import type { Redactor } from '../secrets/redactor.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { describeError } from '../errors.ts';
import type * as ClientSessionModule from './client-session.ts';
import type { ClientSession, SessionInterceptors, SessionRoute } from './client-session.ts';
import { sendJsonRpcError } from './http-guards.ts';

export interface SessionManagerOptions {
  registry: UpstreamRegistry;
  redactor?: Redactor;
  audit?: AuditLog;
  interceptors?: SessionInterceptors;
  /** Sessions beyond this many are refused (503) rather than exhausting the machine. */
  maxSessions?: number;
  /** Sessions idle longer than this are closed. */
  idleTimeoutMs?: number;
  requestTimeoutMs?: number;
  quickAnswerMs?: number;
}

/**
 * The session module (the SDK server, its Streamable HTTP transport and their schemas: ~25 MB
 * and ~100 ms to load) is loaded when the first client opens a session, not at start-up: a
 * gateway nobody has used yet stays small and answers /healthz sooner.
 */
let sessionModule: Promise<typeof ClientSessionModule> | undefined;
const loadSessionModule = () => (sessionModule ??= import('./client-session.ts'));

function routeKey(route: SessionRoute): string {
  return route.kind === 'all' ? '*' : route.server;
}

/** The open MCP sessions, keyed by `Mcp-Session-Id`, each bound to the client that opened it. */
export class SessionManager {
  private readonly sessions = new Map<string, ClientSession>();
  private readonly options: SessionManagerOptions;
  private readonly reaper: NodeJS.Timeout;
  private opening = 0;

  constructor(options: SessionManagerOptions) {
    this.options = options;
    const idle = options.idleTimeoutMs ?? 60 * 60_000;
    this.reaper = setInterval(
      () => {
        const cutoff = Date.now() - idle;
        for (const session of this.sessions.values()) if (session.lastSeen < cutoff) void session.close();
      },
      Math.min(idle, 60_000),
    );
    this.reaper.unref();
    options.registry.on('added', () => this.serversChanged());
    options.registry.on('removed', () => this.serversChanged());
  }

  get size(): number {
    return this.sessions.size;
  }

  list(): ClientSession[] {
    return [...this.sessions.values()];
  }

  private serversChanged(): void {
    for (const session of this.sessions.values()) session.serversChanged();
  }

  /** Closes every session of these clients (a key or grant was revoked). */
  async closeClients(clientIds: string[]): Promise<void> {
    const ids = new Set(clientIds);
    await Promise.all(
      this.list()
        .filter((s) => ids.has(s.grant.id))
        .map((s) => s.close()),
    );
  }

  async closeAll(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all(this.list().map((s) => s.close()));
  }

  /**
   * Serves one MCP HTTP request for an authenticated client. A request naming a session must come
   * from the client that opened it, on the same endpoint; anything else is answered as unknown.
   */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    route: SessionRoute,
    grant: ClientGrant,
    body: unknown,
  ): Promise<void> {
    if (route.kind === 'one' && (!grantAllows(grant, route.server) || !this.options.registry.get(route.server))) {
      sendJsonRpcError(res, 404, -32601, 'Unknown server');
      return;
    }
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (sessionId) {
      const session = this.sessions.get(sessionId);
      if (!session || session.grant.id !== grant.id || routeKey(session.route) !== routeKey(route)) {
        sendJsonRpcError(res, 404, -32001, 'Session not found');
        return;
      }
      session.lastSeen = Date.now();
      await session.serve(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    const max = this.options.maxSessions ?? 5000;
    if (this.sessions.size + this.opening >= max) {
      sendJsonRpcError(res, 503, -32000, 'Too many open sessions; close some and retry', { 'retry-after': '5' });
      return;
    }
    this.opening++;
    let session: ClientSession;
    try {
      const { ClientSession } = await loadSessionModule();
      session = await ClientSession.create({
        grant,
        route,
        registry: this.options.registry,
        clientCapabilities: ((body.params as { capabilities?: ClientCapabilities }).capabilities ??
          {}) as ClientCapabilities,
        ...(this.options.redactor ? { redactor: this.options.redactor } : {}),
        ...(this.options.audit ? { audit: this.options.audit } : {}),
        ...(this.options.interceptors ? { interceptors: this.options.interceptors } : {}),
        ...(this.options.requestTimeoutMs ? { requestTimeoutMs: this.options.requestTimeoutMs } : {}),
        ...(this.options.quickAnswerMs ? { quickAnswerMs: this.options.quickAnswerMs } : {}),
        onClosed: (closed) => {
          if (closed.sessionId && this.sessions.get(closed.sessionId) === closed) {
            this.sessions.delete(closed.sessionId);
            this.options.audit?.write({
              type: 'session-end',
              client: grant.name,
              clientId: grant.id,
              session: closed.sessionId,
            });
          }
        },
      });
    } catch (error) {
      const message = error instanceof McpError ? error.message : describeError(error);
      const redacted = this.options.redactor ? this.options.redactor.redact(message) : message;
      sendJsonRpcError(res, 502, -32603, `Cannot open the upstream server: ${redacted}`);
      return;
    } finally {
      this.opening--;
    }
    await session.server.connect(session.transport);
    await session.serve(req, res, body);
    const id = session.sessionId;
    if (id) {
      this.sessions.set(id, session);
      this.options.audit?.write({
        type: 'session-start',
        client: grant.name,
        clientId: grant.id,
        session: id,
        endpoint: route.kind === 'all' ? '/mcp' : `/mcp/${route.server}`,
      });
    } else {
      await session.close();
    }
  }
}
