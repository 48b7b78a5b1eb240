import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ErrorCode,
  McpError,
  RELATED_TASK_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type RequestId,
  type RequestMeta,
  type Result,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { writeJsonAnswer } from './web-exchange.ts';
import { isPlainObject } from '../util/plain-object.ts';

/** A client's `tools/call` the gateway may answer without the SDK's server transport. */
export interface DirectCall {
  readonly id: RequestId;
  readonly params: Record<string, unknown>;
}

/** What the gateway's forwarding reads of a request's context: a subset of the SDK's `RequestHandlerExtra`. */
export interface CallExtra {
  signal: AbortSignal;
  requestId: RequestId;
  _meta?: RequestMeta;
  sendNotification(notification: ServerNotification): Promise<void>;
}

/** The session a direct call belongs to. */
export interface DirectCallHost {
  sessionId(): string | undefined;
  /** Serves the call: the very code the SDK server's handler runs for it. */
  run(params: Record<string, unknown>, extra: CallExtra): Promise<Result>;
  /**
   * Hands the HTTP exchange to the session's SDK transport, streaming at once; `accepted` is called
   * when the transport holds a stream for the request (it then dispatches it to the handler, which
   * adopts the call in flight). Resolves when the exchange is over.
   */
  stream(req: IncomingMessage, res: ServerResponse, body: unknown, accepted: () => void): Promise<void>;
  /** The message as it may leave for the client (vault values redacted). */
  outbound(message: JSONRPCMessage): JSONRPCMessage;
  /** Sends a notification related to a request, on that request's stream. */
  notify(notification: ServerNotification, relatedRequestId: RequestId): Promise<void>;
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

function mediaType(header: string | undefined): string | undefined {
  return header?.split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * The `tools/call` this POST carries, if it may be answered directly: one request the transport
 * would accept as it is, that asks for no progress and no task. Anything else (batches, other
 * methods, headers the transport would refuse with its own 4xx) takes the transport's path.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 */
export function directCallOf(req: IncomingMessage, body: unknown): DirectCall | undefined {
  if (req.method !== 'POST' || !isPlainObject(body)) return undefined;
  if (body.jsonrpc !== '2.0' || body.method !== 'tools/call') return undefined;
  // The SDK parses requests strictly: an unknown member gets its "invalid JSON-RPC message" answer.
  for (const key in body) if (!REQUEST_KEYS.has(key)) return undefined;
  const { id, params } = body;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return undefined;
  if (!isPlainObject(params) || typeof params.name !== 'string' || 'task' in params) return undefined;
  const meta = params._meta;
  if (meta !== undefined && (!isPlainObject(meta) || 'progressToken' in meta || RELATED_TASK_META_KEY in meta))
    return undefined;
  const accept = req.headers.accept;
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  if (mediaType(req.headers['content-type']) !== 'application/json') return undefined;
  const version = req.headers['mcp-protocol-version'];
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return undefined;
  return { id: id as RequestId, params };
}

interface Entry {
  readonly call: DirectCall;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly body: unknown;
  readonly controller: AbortController;
  readonly result: Promise<Result>;
  /** Set once the exchange is handed to the transport: resolves when the transport holds a stream. */
  streamed?: Promise<void>;
  exchange?: Promise<void>;
  adopted: boolean;
  /** Messages related to the call, in flight to the client: the answer goes after them. */
  outbox: Promise<unknown>;
}

/**
 * The `tools/call` requests of one session being answered directly.
 *
 * Most calls are answered quickly, with nothing before the answer. For those the SDK's server
 * transport and protocol (a web `Request`, a stream per request, SSE framing, the event store,
 * then reading the stream back to send its one message as JSON) cost the gateway about a third of
 * its CPU per call. A direct call runs the session's forwarding itself and writes the answer as one
 * JSON body, the same bytes the transport path would send.
 *
 * The moment a call needs more than that, it is handed to the transport, which then owns the
 * exchange exactly as if it had had it from the start: when the answer has not come within
 * `quickAnswerMs` (the stream starts with its priming event, so the client can resume it), or when
 * a message related to the call must reach the client first (a log message, or the upstream asking
 * for sampling, a form or roots). The transport dispatches the request to the session's handler,
 * which adopts the call already in flight (`adopt`) instead of sending it upstream again.
 */
export class DirectCalls {
  private readonly calls = new Map<RequestId, Entry>();
  private readonly host: DirectCallHost;
  private readonly quickAnswerMs: number;

  constructor(host: DirectCallHost, quickAnswerMs: number) {
    this.host = host;
    this.quickAnswerMs = quickAnswerMs;
  }

  /** False while a call with the same id is in flight: the client reused an id, and the transport decides. */
  accepts(call: DirectCall): boolean {
    return !this.calls.has(call.id);
  }

  async serve(req: IncomingMessage, res: ServerResponse, body: unknown, call: DirectCall): Promise<void> {
    const controller = new AbortController();
    const meta = call.params._meta as RequestMeta | undefined;
    const extra: CallExtra = {
      signal: controller.signal,
      requestId: call.id,
      ...(meta ? { _meta: meta } : {}),
      sendNotification: (notification) => this.notifyRelated(call.id, notification),
    };
    const entry: Entry = {
      call,
      req,
      res,
      body,
      controller,
      result: this.host.run(call.params, extra),
      adopted: false,
      outbox: Promise.resolve(),
    };
    this.calls.set(call.id, entry);
    const timer = setTimeout(() => void this.toStream(entry), this.quickAnswerMs);
    let outcome: { result: Result } | { error: unknown };
    try {
      outcome = { result: await entry.result };
    } catch (error) {
      outcome = { error };
    } finally {
      clearTimeout(timer);
    }
    if (entry.exchange) {
      await entry.exchange;
      if (this.calls.get(call.id) === entry) this.calls.delete(call.id);
      return;
    }
    this.calls.delete(call.id);
    // A client that hung up gets nothing; the call itself ran to its end and was audited.
    if (res.destroyed) return;
    if (controller.signal.aborted) {
      endWithoutAnswer(res, this.host.sessionId());
      return;
    }
    const message =
      'result' in outcome ? resultResponse(call.id, outcome.result) : errorResponse(call.id, outcome.error);
    writeJsonAnswer(res, 200, JSON.stringify(this.host.outbound(message)), this.host.sessionId());
  }

  /**
   * The call in flight with this id, for the session's `tools/call` handler once the transport has
   * dispatched it. Its answer waits for the related messages already on their way.
   */
  adopt(requestId: RequestId, signal: AbortSignal): Promise<Result> | undefined {
    const entry = this.calls.get(requestId);
    if (!entry?.streamed || entry.adopted) return undefined;
    entry.adopted = true;
    // From now on a cancellation reaches the transport's protocol, which aborts this signal.
    signal.addEventListener('abort', () => entry.controller.abort(signal.reason), { once: true });
    const after = () => entry.outbox.catch(() => {});
    return entry.result.then(
      async (result) => {
        await after();
        return result;
      },
      async (error: unknown) => {
        await after();
        throw error;
      },
    );
  }

  /** A notification related to a request: for a direct call, sent once the call has a stream. */
  notifyRelated(requestId: RequestId, notification: ServerNotification): Promise<void> {
    const entry = this.calls.get(requestId);
    if (!entry) return this.host.notify(notification, requestId);
    const sent = this.toStream(entry).then(() => this.host.notify(notification, requestId));
    entry.outbox = Promise.all([entry.outbox, sent.catch(() => {})]);
    return sent;
  }

  /**
   * A request to the client related to a request (sampling, a form, roots): for a direct call, made
   * once the call has a stream. The answer to the call waits until this request has been handed to
   * the transport (one turn of the event loop), not until the client has answered it.
   */
  requestRelated<T>(requestId: RequestId, send: () => Promise<T>): Promise<T> {
    const entry = this.calls.get(requestId);
    if (!entry) return send();
    const ready = this.toStream(entry);
    entry.outbox = Promise.all([entry.outbox, ready.then(() => new Promise((resolve) => setImmediate(resolve)))]);
    return ready.then(send);
  }

  /** The client cancelled a request: a direct call ends without an answer, as the spec asks. */
  cancel(requestId: RequestId, reason: unknown): void {
    const entry = this.calls.get(requestId);
    if (entry && !entry.adopted) entry.controller.abort(reason);
  }

  /** The session closed: every call not yet handed to the transport ends without an answer. */
  abortAll(): void {
    for (const entry of this.calls.values()) {
      if (!entry.adopted) entry.controller.abort(new McpError(ErrorCode.ConnectionClosed, 'session closed'));
    }
  }

  private toStream(entry: Entry): Promise<void> {
    if (!entry.streamed) {
      let accepted!: () => void;
      entry.streamed = new Promise<void>((resolve) => {
        accepted = resolve;
      });
      // A transport that refuses the exchange (the session closed meanwhile) answers it itself;
      // the messages waiting for a stream then go the way they would have (and fail there).
      entry.exchange = this.host.stream(entry.req, entry.res, entry.body, accepted).finally(accepted);
    }
    return entry.streamed;
  }
}

/** @see https://www.jsonrpc.org/specification#response_object (built as the SDK's Protocol builds it) */
function resultResponse(id: RequestId, result: Result): JSONRPCMessage {
  return { result, jsonrpc: '2.0', id } as JSONRPCMessage;
}

/** @see https://www.jsonrpc.org/specification#error_object (built as the SDK's Protocol builds it) */
function errorResponse(id: RequestId, error: unknown): JSONRPCMessage {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: Number.isSafeInteger(e.code) ? (e.code as number) : ErrorCode.InternalError,
      message: typeof e.message === 'string' ? e.message : 'Internal error',
      ...(e.data !== undefined ? { data: e.data } : {}),
    },
  } as JSONRPCMessage;
}

/**
 * A cancelled call gets no answer (the client has stopped waiting for it), but its HTTP exchange
 * must end: as an event stream with no event, which a client reads as "no answer" and does not
 * resume (there is no event id to resume from).
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/cancellation
 */
function endWithoutAnswer(res: ServerResponse, sessionId: string | undefined): void {
  if (res.headersSent || res.destroyed) {
    res.end();
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
  if (sessionId) headers['mcp-session-id'] = sessionId;
  res.writeHead(200, headers).end();
}
