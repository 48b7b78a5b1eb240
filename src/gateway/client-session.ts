import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import {
  CallToolResultSchema,
  CompleteResultSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  EmptyResultSchema,
  ErrorCode,
  GetPromptResultSchema,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListRootsResultSchema,
  ListToolsResultSchema,
  McpError,
  ReadResourceResultSchema,
  ResultSchema,
  SetLevelRequestSchema,
  type ClientCapabilities,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type LoggingLevel,
  type Notification,
  type Prompt,
  type RequestId,
  type Resource,
  type ResourceTemplate,
  type Result,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { quote } from '../errors.ts';
import type { ClientGrant } from '../clients/client-grant.ts';
import { grantAllows } from '../clients/client-grant.ts';
import type { UpstreamRegistry } from '../upstream/upstream-registry.ts';
import { NeedsSignInError, type UpstreamHandlers, type UpstreamLink } from '../upstream/upstream-connection.ts';
import type { Redactor } from '../secrets/redactor.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { AIRLOCK_VERSION } from '../version.ts';
import { buildNameTable, type NamedEntry } from './tool-names.ts';
import { BoundedEventStore } from './event-store.ts';
import { serveWebExchange } from './web-exchange.ts';
import { DirectCalls, directCallOf, type CallExtra } from './direct-call.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A POST's answer that comes within this time leaves as one JSON body; a slower one streams (SSE).
 * Long enough for a local or nearby server's answer, short enough that a slow call's stream, and
 * the priming event that lets the client resume it, start without a noticeable wait.
 */
export const QUICK_ANSWER_MS = 200;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
/** The params of a client's notifications/cancelled, unchecked. */
type CancelledParams = { requestId?: unknown; reason?: unknown };
// Zod schemas from the SDK, used to validate what upstreams answer before it reaches a client.
type AnySchema = typeof ResultSchema;

/** Which servers a session reaches: every granted server at `/mcp`, or one at `/mcp/SERVER`. */
export type SessionRoute = { kind: 'all' } | { kind: 'one'; server: string };

/**
 * Extension points for consent-driven behaviour (URL elicitation, -32042 retries, form
 * fallback): given the session context, they may handle an upstream request or wrap a tool call.
 */
export interface SessionInterceptors {
  /** Return a result to answer the upstream request yourself, or undefined to forward it to the client. */
  upstreamRequest?(ctx: InterceptContext, request: JSONRPCRequest, signal: AbortSignal): Promise<Result | undefined>;
  /** Wraps a forwarded tools/call (e.g. to retry after a URL elicitation completes). */
  toolCall?(ctx: InterceptContext, call: () => Promise<Result>, signal: AbortSignal): Promise<Result>;
  /** Wraps every forwarded request, tools/call included (outside `toolCall`): e.g. sign-in on a 401 at tools/list. */
  request?(ctx: InterceptContext, method: string, call: () => Promise<Result>, signal: AbortSignal): Promise<Result>;
  /** Sees every upstream notification before it is forwarded; return true to swallow it. */
  upstreamNotification?(ctx: InterceptContext, notification: Notification): boolean;
  /** Capabilities to declare upstream on top of what the client declared. */
  upstreamCapabilities?(client: ClientCapabilities): ClientCapabilities;
}

export interface InterceptContext {
  sessionId: string | undefined;
  server: string;
  client: ClientGrant;
  clientCapabilities: ClientCapabilities;
  /** Sends a request to this session's MCP client (e.g. a form elicitation). */
  requestClient(request: { method: string; params?: Record<string, unknown> }, signal: AbortSignal): Promise<Result>;
}

export interface ClientSessionOptions {
  grant: ClientGrant;
  route: SessionRoute;
  registry: UpstreamRegistry;
  redactor?: Redactor;
  audit?: AuditLog;
  interceptors?: SessionInterceptors;
  /** Capabilities the client declared in its initialize request (needed before the session exists). */
  clientCapabilities: ClientCapabilities;
  onClosed?: (session: ClientSession) => void;
  /** Default per-request timeout upstream (ms); tools/call resets it on progress. */
  requestTimeoutMs?: number;
  /** How long an answer may take and still leave as one JSON body (default QUICK_ANSWER_MS). */
  quickAnswerMs?: number;
}

const RESULT_SCHEMAS: Record<string, AnySchema> = {
  'tools/list': ListToolsResultSchema as unknown as AnySchema,
  'tools/call': CallToolResultSchema as unknown as AnySchema,
  'resources/list': ListResourcesResultSchema as unknown as AnySchema,
  'resources/templates/list': ListResourceTemplatesResultSchema as unknown as AnySchema,
  'resources/read': ReadResourceResultSchema as unknown as AnySchema,
  'resources/subscribe': EmptyResultSchema as unknown as AnySchema,
  'resources/unsubscribe': EmptyResultSchema as unknown as AnySchema,
  'prompts/list': ListPromptsResultSchema as unknown as AnySchema,
  'prompts/get': GetPromptResultSchema as unknown as AnySchema,
  'completion/complete': CompleteResultSchema as unknown as AnySchema,
  'logging/setLevel': EmptyResultSchema as unknown as AnySchema,
  'sampling/createMessage': CreateMessageResultSchema as unknown as AnySchema,
  'elicitation/create': ElicitResultSchema as unknown as AnySchema,
  'roots/list': ListRootsResultSchema as unknown as AnySchema,
};
const schemaFor = (method: string): AnySchema => RESULT_SCHEMAS[method] ?? ResultSchema;

const AGGREGATE_CAPABILITIES: ServerCapabilities = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
};

/** What Airlock declares upstream for a client session: what the client can do, mirrored. */
export function upstreamCapabilitiesFor(
  client: ClientCapabilities,
  interceptors?: SessionInterceptors,
): ClientCapabilities {
  const caps: ClientCapabilities = {};
  if (client.sampling) caps.sampling = client.sampling;
  if (client.roots) caps.roots = client.roots;
  if (client.elicitation) caps.elicitation = client.elicitation;
  return { ...caps, ...(interceptors?.upstreamCapabilities?.(client) ?? {}) };
}

async function listAll<T>(link: UpstreamLink, method: string, key: string, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = (await link.client.request(
      { method, params: cursor ? { cursor } : {} },
      schemaFor(method),
      signal ? { signal } : {},
    )) as Record<string, unknown>;
    items.push(...((result[key] as T[] | undefined) ?? []));
    cursor = result.nextCursor as string | undefined;
    if (!cursor) break;
  }
  return items;
}

/**
 * The SDK rejects a result that does not match its method's schema with the validator's raw issue
 * list; the client gets one readable line instead. Issue paths are the upstream's keys: quoted.
 */
function invalidResultError(error: unknown, server: string, method: string): McpError | undefined {
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (!(error instanceof Error) || !Array.isArray(issues) || issues.length === 0) return undefined;
  const described = (issues as { path?: unknown[]; message?: unknown }[]).slice(0, 3).map((issue) => {
    const path = (issue.path ?? []).map((key) => quote(String(key), 40)).join('.');
    return `${path || 'result'}: ${typeof issue.message === 'string' ? issue.message : 'invalid'}`;
  });
  return new McpError(
    ErrorCode.InternalError,
    `Server ${quote(server)} sent an invalid ${method} result (${described.join('; ')})`,
  );
}

function notFound(kind: string, name: unknown): McpError {
  return new McpError(ErrorCode.InvalidParams, `Unknown ${kind}: ${quote(name)}`);
}

/**
 * One MCP client session on the gateway: an SDK `Server` facing the client over Streamable
 * HTTP, and, per upstream server it uses, its own upstream connection, so that whatever an
 * upstream asks back (sampling, elicitation, roots) reaches this session and no other.
 */
export class ClientSession {
  readonly grant: ClientGrant;
  readonly route: SessionRoute;
  readonly server: Server;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly createdAt = Date.now();
  lastSeen = Date.now();
  private readonly options: ClientSessionOptions;
  private readonly links = new Map<string, Promise<UpstreamLink>>();
  /** Client request ids being served by each upstream, newest last: where upstream requests are related to. */
  private readonly inflight = new Map<string, RequestId[]>();
  private toolTable: Map<string, NamedEntry> | undefined;
  private promptTable: Map<string, NamedEntry> | undefined;
  private readonly resourceOwners = new Map<string, string>();
  private templateOwners: { template: UriTemplate; raw: string; server: string }[] = [];
  private logLevel: LoggingLevel | undefined;
  private closed = false;
  private readonly capabilities: ServerCapabilities;
  private readonly direct: DirectCalls;

  private constructor(
    options: ClientSessionOptions,
    capabilities: ServerCapabilities,
    info: { name: string; version: string; title?: string },
    instructions: string | undefined,
  ) {
    this.options = options;
    this.capabilities = capabilities;
    this.grant = options.grant;
    this.route = options.route;
    this.server = new Server(info, { capabilities, ...(instructions ? { instructions } : {}) });
    this.transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      eventStore: new BoundedEventStore(),
      // The gateway's HTTP layer enforces its own body limit before the transport sees a byte.
      maxRequestBodySize: 64 * 1024 * 1024,
    });
    this.direct = new DirectCalls(
      {
        sessionId: () => this.sessionId,
        run: (params, extra) => this.runToolCall(params, extra),
        stream: (req, res, body, accepted) =>
          serveWebExchange(this.transport, req, res, body, { quickAnswerMs: 0, onAccepted: accepted }),
        outbound: (message) => this.outbound(message),
        notify: (notification, relatedRequestId) => this.server.notification(notification, { relatedRequestId }),
      },
      options.quickAnswerMs ?? QUICK_ANSWER_MS,
    );
    this.redactOutbound();
    this.installHandlers();
    this.server.onclose = () => void this.close();
  }

  /**
   * Creates a session for an initialize request. For `/mcp/SERVER` the upstream is connected
   * first, so the session can present that server's own capabilities, name and instructions.
   */
  static async create(options: ClientSessionOptions): Promise<ClientSession> {
    if (options.route.kind === 'all') {
      return new ClientSession(
        options,
        AGGREGATE_CAPABILITIES,
        { name: 'airlock', version: AIRLOCK_VERSION },
        undefined,
      );
    }
    const serverName = options.route.server;
    const pending = new PendingSession();
    const linkPromise = ClientSession.connectLink(options, serverName, pending);
    const link = await linkPromise;
    const session = new ClientSession(
      options,
      link.capabilities,
      {
        name: link.serverInfo?.name ?? serverName,
        version: link.serverInfo?.version ?? AIRLOCK_VERSION,
        ...(link.serverInfo?.title ? { title: link.serverInfo.title } : {}),
      },
      link.instructions,
    );
    session.links.set(serverName, linkPromise);
    pending.attach(session);
    return session;
  }

  get sessionId(): string | undefined {
    return this.transport.sessionId;
  }

  /**
   * Serves one HTTP request of this session (POST, GET stream, DELETE). A plain tools/call is
   * answered directly when it can be (see DirectCalls); everything else goes through the SDK's
   * transport.
   */
  serve(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const call = this.closed ? undefined : directCallOf(req, body);
    if (call && this.direct.accepts(call)) return this.direct.serve(req, res, body, call);
    this.cancelDirectCalls(body);
    return serveWebExchange(this.transport, req, res, body, {
      quickAnswerMs: this.options.quickAnswerMs ?? QUICK_ANSWER_MS,
    });
  }

  /** A cancellation of a call answered directly: the transport's protocol does not know that call. */
  private cancelDirectCalls(body: unknown): void {
    for (const message of Array.isArray(body) ? body : [body]) {
      const notification = message as { method?: unknown; params?: CancelledParams } | null;
      if (notification?.method !== 'notifications/cancelled') continue;
      const id = notification.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.direct.cancel(id, notification.params?.reason);
    }
  }

  private static connectLink(
    options: ClientSessionOptions,
    serverName: string,
    owner: PendingSession | ClientSession,
    waitForSignIn = true,
  ): Promise<UpstreamLink> {
    const supervisor = options.registry.get(serverName);
    if (!supervisor) return Promise.reject(notFound('server', serverName));
    const handlers: UpstreamHandlers = {
      onRequest: (request, signal) => owner.relayRequest(serverName, request, signal),
      onNotification: (notification) => owner.relayNotification(serverName, notification),
      onClose: () => owner.linkClosed(serverName),
    };
    return supervisor.connectForSession(
      upstreamCapabilitiesFor(options.clientCapabilities, options.interceptors),
      handlers,
      {
        waitForSignIn,
        clientName: options.grant.name,
        // A listing skipped a server that needed sign-in; once signed in, the lists changed.
        onSignedIn: () => owner.serversChanged(),
      },
    );
  }

  /**
   * The upstream connection for a server, connecting on first use. A call waits for a sign-in
   * the server needs; a listing (`waitForSignIn: false`) does not hang on a person.
   */
  private link(serverName: string, waitForSignIn = true): Promise<UpstreamLink> {
    if (this.closed) return Promise.reject(new McpError(ErrorCode.ConnectionClosed, 'session closed'));
    if (!grantAllows(this.grant, serverName) || !this.options.registry.get(serverName))
      return Promise.reject(notFound('server', serverName));
    const link = this.links.get(serverName) ?? this.openLink(serverName, waitForSignIn);
    if (!waitForSignIn) return link;
    return link.catch((error: unknown) => {
      // The attempt in flight was a listing's, which does not wait: a call does.
      if (!(error instanceof NeedsSignInError)) throw error;
      return this.links.get(serverName) ?? this.openLink(serverName, true);
    });
  }

  private openLink(serverName: string, waitForSignIn: boolean): Promise<UpstreamLink> {
    const link = ClientSession.connectLink(this.options, serverName, this, waitForSignIn).then(async (connected) => {
      if (this.logLevel && connected.capabilities.logging) {
        await connected.client
          .request({ method: 'logging/setLevel', params: { level: this.logLevel } }, EmptyResultSchema)
          .catch(() => {});
      }
      return connected;
    });
    this.links.set(serverName, link);
    link.catch(() => {
      if (this.links.get(serverName) === link) this.links.delete(serverName);
    });
    return link;
  }

  linkClosed(serverName: string): void {
    this.links.delete(serverName);
    this.toolTable = undefined;
    this.promptTable = undefined;
  }

  /** Servers this session may reach and that exist now. */
  private servers(): string[] {
    if (this.route.kind === 'one') return [this.route.server];
    return this.options.registry
      .names()
      .filter((name) => grantAllows(this.grant, name) && !this.options.registry.get(name)!.config.disabled);
  }

  private context(serverName: string): InterceptContext {
    return {
      sessionId: this.sessionId,
      server: serverName,
      client: this.grant,
      clientCapabilities: this.options.clientCapabilities,
      requestClient: (request, signal) =>
        this.server.request(request as never, schemaFor(request.method), {
          signal,
          timeout: 10 * 60_000,
        }) as Promise<Result>,
    };
  }

  // ---- client -> upstream -------------------------------------------------------------------

  private track(serverName: string, id: RequestId): () => void {
    const list = this.inflight.get(serverName) ?? [];
    list.push(id);
    this.inflight.set(serverName, list);
    return () => {
      const index = list.indexOf(id);
      if (index >= 0) list.splice(index, 1);
    };
  }

  /** Sends one client request to one upstream, carrying progress and cancellation both ways. */
  private async forward(
    serverName: string,
    method: string,
    params: Record<string, unknown> | undefined,
    extra: CallExtra,
  ): Promise<Result> {
    const link = await this.link(serverName);
    const untrack = this.track(serverName, extra.requestId);
    const progressToken = extra._meta?.progressToken;
    // A server's own `timeoutMs` is what the user chose for it and wins; otherwise tool calls,
    // which may legitimately run long, get at least five minutes.
    const configured = this.options.registry.get(serverName)?.config.timeoutMs;
    const fallback = this.options.requestTimeoutMs ?? 60_000;
    const timeout = configured ?? (method === 'tools/call' ? Math.max(fallback, 5 * 60_000) : fallback);
    const send = () =>
      link.client.request({ method, params } as never, schemaFor(method), {
        signal: extra.signal,
        timeout,
        resetTimeoutOnProgress: true,
        ...(progressToken !== undefined
          ? {
              onprogress: (progress) => {
                void extra
                  .sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken } })
                  .catch(() => {});
              },
            }
          : {}),
      }) as Promise<Result>;
    const started = Date.now();
    try {
      const interceptors = this.options.interceptors;
      const context = interceptors ? this.context(serverName) : undefined;
      const call =
        method === 'tools/call' && interceptors?.toolCall
          ? () => interceptors.toolCall!(context!, send, extra.signal)
          : send;
      const result = interceptors?.request
        ? await interceptors.request(context!, method, call, extra.signal)
        : await call();
      if (method === 'tools/call') this.auditCall(serverName, params, started, result.isError ? 'tool-error' : 'ok');
      return result;
    } catch (caught) {
      const error = invalidResultError(caught, serverName, method) ?? caught;
      if (method === 'tools/call')
        this.auditCall(serverName, params, started, extra.signal.aborted ? 'cancelled' : 'error', error);
      throw error;
    } finally {
      untrack();
    }
  }

  private auditCall(
    server: string,
    params: Record<string, unknown> | undefined,
    started: number,
    outcome: string,
    error?: unknown,
  ): void {
    this.options.audit?.write({
      type: 'tool-call',
      client: this.grant.name,
      clientId: this.grant.id,
      session: this.sessionId,
      server,
      tool: typeof params?.name === 'string' ? params.name : undefined,
      durationMs: Date.now() - started,
      outcome,
      ...(error instanceof McpError ? { errorCode: error.code } : {}),
    });
  }

  private installHandlers(): void {
    const server = this.server;
    if (this.route.kind === 'one') {
      const target = this.route.server;
      server.fallbackRequestHandler = async (request, extra) =>
        (request.method === 'tools/call'
          ? this.callTool(request.params ?? {}, extra)
          : this.forward(target, request.method, request.params, extra)) as never;
      if (this.capabilities.logging) {
        // The SDK answers logging/setLevel itself when logging is declared; the upstream must hear it.
        server.setRequestHandler(SetLevelRequestSchema, async (request, extra) => {
          this.logLevel = request.params.level;
          return (await this.forward(target, 'logging/setLevel', request.params, extra)) as never;
        });
      }
    } else {
      this.installAggregateHandlers();
    }
    server.fallbackNotificationHandler = async (notification) => {
      if (notification.method === 'notifications/roots/list_changed') {
        for (const link of this.links.values())
          void link.then((l) => l.client.notification({ method: notification.method })).catch(() => {});
      }
    };
  }

  private installAggregateHandlers(): void {
    const server = this.server;
    // The SDK answers logging/setLevel itself when logging is declared, so the fallback would never
    // see it and the upstreams would keep sending every level.
    server.setRequestHandler(SetLevelRequestSchema, (request, extra) => this.setLevel(request.params, extra) as never);
    server.fallbackRequestHandler = async (request, extra) => {
      const params = (request.params ?? {}) as Record<string, unknown>;
      switch (request.method) {
        case 'tools/list':
          return { tools: await this.aggregateTools(extra.signal) } as never;
        case 'tools/call':
          return this.callTool(params, extra) as never;
        case 'prompts/list':
          return { prompts: await this.aggregatePrompts(extra.signal) } as never;
        case 'prompts/get': {
          const entry = await this.lookupName('prompt', params.name, extra.signal);
          return this.forward(entry.server, 'prompts/get', { ...params, name: entry.name }, extra) as never;
        }
        case 'resources/list':
          return { resources: await this.aggregateResources(extra.signal) } as never;
        case 'resources/templates/list':
          return { resourceTemplates: await this.aggregateTemplates(extra.signal) } as never;
        case 'resources/read':
        case 'resources/subscribe':
        case 'resources/unsubscribe': {
          const owner = await this.resourceOwner(params.uri, extra.signal);
          return this.forward(owner, request.method, params, extra) as never;
        }
        case 'completion/complete':
          return this.complete(params, extra) as never;
        case 'logging/setLevel':
          return this.setLevel(params, extra) as never;
        default:
          throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${quote(request.method)}`);
      }
    };
  }

  /** A tools/call dispatched by the SDK: a call answered directly until now is adopted, not sent again. */
  private callTool(params: Record<string, unknown>, extra: CallExtra): Promise<Result> {
    return this.direct.adopt(extra.requestId, extra.signal) ?? this.runToolCall(params, extra);
  }

  private async runToolCall(params: Record<string, unknown>, extra: CallExtra): Promise<Result> {
    if (this.route.kind === 'one') return this.forward(this.route.server, 'tools/call', params, extra);
    const entry = await this.lookupName('tool', params.name, extra.signal);
    return this.forward(entry.server, 'tools/call', { ...params, name: entry.name }, extra);
  }

  private async eachServer<T>(
    capability: keyof ServerCapabilities,
    run: (link: UpstreamLink, server: string) => Promise<T[]>,
  ): Promise<{ server: string; items: T[] }[]> {
    const results = await Promise.allSettled(
      this.servers().map(async (name) => {
        const link = await this.link(name, false);
        return { server: name, items: link.capabilities[capability] ? await run(link, name) : [] };
      }),
    );
    // A server that is down or needs sign-in contributes nothing; its state says why.
    return results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  }

  private async aggregateTools(signal?: AbortSignal): Promise<Tool[]> {
    const lists = await this.eachServer('tools', (link) => listAll<Tool>(link, 'tools/list', 'tools', signal));
    const byKey = new Map<string, Tool>();
    const entries: NamedEntry[] = [];
    for (const { server, items } of lists) {
      for (const tool of items) {
        entries.push({ server, name: tool.name });
        byKey.set(`${server}/${tool.name}`, tool);
      }
    }
    this.toolTable = buildNameTable(entries);
    return [...this.toolTable].map(([exposed, entry]) => {
      const tool = byKey.get(`${entry.server}/${entry.name}`)!;
      return { ...tool, name: exposed, ...(tool.title ? {} : { title: tool.name }) };
    });
  }

  private async aggregatePrompts(signal?: AbortSignal): Promise<Prompt[]> {
    const lists = await this.eachServer('prompts', (link) => listAll<Prompt>(link, 'prompts/list', 'prompts', signal));
    const byKey = new Map<string, Prompt>();
    const entries: NamedEntry[] = [];
    for (const { server, items } of lists) {
      for (const prompt of items) {
        entries.push({ server, name: prompt.name });
        byKey.set(`${server}/${prompt.name}`, prompt);
      }
    }
    this.promptTable = buildNameTable(entries);
    return [...this.promptTable].map(([exposed, entry]) => ({
      ...byKey.get(`${entry.server}/${entry.name}`)!,
      name: exposed,
    }));
  }

  private async lookupName(kind: 'tool' | 'prompt', name: unknown, signal: AbortSignal): Promise<NamedEntry> {
    if (typeof name !== 'string') throw new McpError(ErrorCode.InvalidParams, `${kind} name must be a string`);
    let table = kind === 'tool' ? this.toolTable : this.promptTable;
    if (!table?.has(name)) {
      // The client may call without listing first (or after a change): list, then look again.
      if (kind === 'tool') await this.aggregateTools(signal);
      else await this.aggregatePrompts(signal);
      table = kind === 'tool' ? this.toolTable : this.promptTable;
    }
    let entry = table?.get(name);
    const server = entry ? undefined : this.servers().find((candidate) => name.startsWith(`${candidate}__`));
    if (server && this.options.registry.get(server)?.state.state === 'needs-sign-in') {
      // A listing skips a server that needs sign-in; a call to one of its tools waits for the
      // user's sign-in (one consent, shared), then looks again.
      await this.link(server, true);
      if (kind === 'tool') await this.aggregateTools(signal);
      else await this.aggregatePrompts(signal);
      entry = (kind === 'tool' ? this.toolTable : this.promptTable)?.get(name);
    }
    if (!entry) throw notFound(kind, name);
    return entry;
  }

  private async aggregateResources(signal?: AbortSignal): Promise<Resource[]> {
    const lists = await this.eachServer('resources', (link) =>
      listAll<Resource>(link, 'resources/list', 'resources', signal),
    );
    const out: Resource[] = [];
    for (const { server, items } of lists) {
      for (const resource of items) {
        // The first server to claim a URI owns it; a later duplicate is not shown.
        if (this.resourceOwners.has(resource.uri) && this.resourceOwners.get(resource.uri) !== server) continue;
        this.resourceOwners.set(resource.uri, server);
        out.push(resource);
      }
    }
    return out;
  }

  private async aggregateTemplates(signal?: AbortSignal): Promise<ResourceTemplate[]> {
    const lists = await this.eachServer('resources', (link) =>
      listAll<ResourceTemplate>(link, 'resources/templates/list', 'resourceTemplates', signal),
    );
    const owners: { template: UriTemplate; raw: string; server: string }[] = [];
    const out: ResourceTemplate[] = [];
    for (const { server, items } of lists) {
      for (const template of items) {
        // Like resources: the first server to offer a template owns it; a duplicate is not shown.
        if (owners.some((owner) => owner.raw === template.uriTemplate)) continue;
        try {
          owners.push({ template: new UriTemplate(template.uriTemplate), raw: template.uriTemplate, server });
        } catch {
          continue;
        }
        out.push(template);
      }
    }
    this.templateOwners = owners;
    return out;
  }

  private findOwner(uri: string): string | undefined {
    const direct = this.resourceOwners.get(uri);
    if (direct && this.servers().includes(direct)) return direct;
    for (const { template, server } of this.templateOwners) {
      if (template.match(uri) && this.servers().includes(server)) return server;
    }
    return undefined;
  }

  private async resourceOwner(uri: unknown, signal: AbortSignal): Promise<string> {
    if (typeof uri !== 'string') throw new McpError(ErrorCode.InvalidParams, 'uri must be a string');
    let owner = this.findOwner(uri);
    if (!owner) {
      await Promise.all([this.aggregateResources(signal), this.aggregateTemplates(signal)]);
      owner = this.findOwner(uri);
    }
    if (!owner) throw new McpError(-32002, `Resource not found: ${quote(uri)}`);
    return owner;
  }

  private async complete(params: Record<string, unknown>, extra: Extra): Promise<Result> {
    const ref = (params.ref ?? {}) as Record<string, unknown>;
    if (ref.type === 'ref/prompt') {
      const entry = await this.lookupName('prompt', ref.name, extra.signal);
      return this.forward(entry.server, 'completion/complete', { ...params, ref: { ...ref, name: entry.name } }, extra);
    }
    if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
      if (!this.templateOwners.length) await this.aggregateTemplates(extra.signal);
      const owner = this.templateOwners.find((t) => t.raw === ref.uri)?.server ?? this.findOwner(ref.uri);
      if (!owner) throw new McpError(-32002, `Resource not found: ${quote(ref.uri)}`);
      return this.forward(owner, 'completion/complete', params, extra);
    }
    throw new McpError(ErrorCode.InvalidParams, 'completion ref must be ref/prompt or ref/resource');
  }

  private async setLevel(params: Record<string, unknown>, extra: Extra): Promise<Result> {
    const parsed = SetLevelRequestSchema.shape.params.safeParse(params);
    if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, 'invalid logging level');
    this.logLevel = parsed.data.level;
    await Promise.allSettled(
      [...this.links.keys()].map(async (name) => {
        const link = await this.links.get(name)!;
        if (link.capabilities.logging)
          await this.forward(name, 'logging/setLevel', { level: parsed.data.level }, extra);
      }),
    );
    return {};
  }

  // ---- upstream -> client -------------------------------------------------------------------

  async relayRequest(serverName: string, request: JSONRPCRequest, signal: AbortSignal): Promise<Result> {
    const intercepted = await this.options.interceptors?.upstreamRequest?.(this.context(serverName), request, signal);
    if (intercepted) return intercepted;
    const related = this.inflight.get(serverName)?.at(-1);
    const send = () =>
      this.server.request({ method: request.method, params: request.params } as never, schemaFor(request.method), {
        signal,
        timeout: 10 * 60_000,
        ...(related !== undefined ? { relatedRequestId: related } : {}),
      }) as Promise<Result>;
    try {
      return await (related !== undefined ? this.direct.requestRelated(related, send) : send());
    } catch (error) {
      if (
        request.method === 'elicitation/create' &&
        error instanceof Error &&
        /does not support elicitation/.test(error.message)
      ) {
        // A client that cannot show a form: the user never saw the question, so it is declined.
        return { action: 'decline' };
      }
      throw error;
    }
  }

  relayNotification(serverName: string, notification: Notification): void {
    if (this.closed) return;
    if (this.options.interceptors?.upstreamNotification?.(this.context(serverName), notification)) return;
    const related = this.inflight.get(serverName)?.at(-1);
    let outgoing = notification;
    if (this.route.kind === 'all') {
      switch (notification.method) {
        case 'notifications/tools/list_changed':
          this.toolTable = undefined;
          break;
        case 'notifications/prompts/list_changed':
          this.promptTable = undefined;
          break;
        case 'notifications/message': {
          const params = (notification.params ?? {}) as Record<string, unknown>;
          outgoing = {
            ...notification,
            params: {
              ...params,
              logger: typeof params.logger === 'string' ? `${serverName}/${params.logger}` : serverName,
            },
          };
          break;
        }
      }
    }
    const sent =
      related !== undefined && notification.method === 'notifications/message'
        ? this.direct.notifyRelated(related, outgoing as ServerNotification)
        : this.server.notification(outgoing as never);
    void sent.catch(() => {});
  }

  /** The set of servers changed (config edit): tell an aggregate client its lists changed. */
  serversChanged(): void {
    if (this.route.kind !== 'all' || this.closed) return;
    this.toolTable = undefined;
    this.promptTable = undefined;
    for (const method of [
      'notifications/tools/list_changed',
      'notifications/prompts/list_changed',
      'notifications/resources/list_changed',
    ]) {
      void this.server.notification({ method } as never).catch(() => {});
    }
  }

  /**
   * Every message to the client passes here, on the transport or answered directly: no vault value
   * leaves in clear.
   */
  private outbound(message: JSONRPCMessage): JSONRPCMessage {
    return this.options.redactor ? this.options.redactor.redactValue(message) : message;
  }

  private redactOutbound(): void {
    if (!this.options.redactor) return;
    const send = this.transport.send.bind(this.transport);
    this.transport.send = (message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }) =>
      send(this.outbound(message), options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.direct.abortAll();
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.allSettled(links.map(async (link) => (await link).close()));
    await this.transport.close().catch(() => {});
    this.options.onClosed?.(this);
  }
}

/**
 * Stands in for a session while its first upstream connection is made (the upstream may talk
 * before the session exists); buffers nothing, and forwards once the session is attached.
 */
class PendingSession {
  private session: ClientSession | undefined;
  attach(session: ClientSession): void {
    this.session = session;
  }
  async relayRequest(serverName: string, request: JSONRPCRequest, signal: AbortSignal): Promise<Result> {
    if (!this.session) throw new McpError(ErrorCode.InvalidRequest, 'the client session is not ready yet');
    return this.session.relayRequest(serverName, request, signal);
  }
  relayNotification(serverName: string, notification: Notification): void {
    this.session?.relayNotification(serverName, notification);
  }
  serversChanged(): void {
    this.session?.serversChanged();
  }
  linkClosed(serverName: string): void {
    this.session?.linkClosed(serverName);
  }
}
