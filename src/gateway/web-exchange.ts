import type { IncomingMessage, ServerResponse } from 'node:http';
import { isResponseTo } from '../util/json-rpc-response.ts';

/** The part of the SDK's `WebStandardStreamableHTTPServerTransport` this adapter drives. */
export interface WebExchangeHandler {
  handleRequest(request: Request, options?: { parsedBody?: unknown }): Promise<Response>;
}

export interface WebExchangeOptions {
  /**
   * How long a POST carrying one JSON-RPC request may hold its SSE stream back, waiting to see
   * whether the answer is all there is to send. Quick answers then leave as one `application/json`
   * body; anything slower (or anything sent before the answer: progress, sampling, elicitation)
   * streams as before, with the transport's priming event first so the client can resume it.
   * 0 streams at once.
   */
  quickAnswerMs: number;
  /** Called once the transport has taken the request (for a POST of requests: holds a stream for them). */
  onAccepted?: () => void;
}

const SSE_MESSAGE_PREFIX = 'event: message\n';
const SSE_DATA_FIELD = '\ndata: ';

/**
 * Serves one HTTP exchange of the SDK's web-standard Streamable HTTP transport on Node's HTTP server.
 *
 * It replaces the SDK's Node wrapper (`@hono/node-server`, which builds a request listener per
 * request and writes headers, priming event, answer and end of stream as separate socket writes):
 * here a quick answer costs one write and one wake-up of the client. Both answer shapes are the
 * server's choice under the transport spec.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 *   ("the server MUST either return Content-Type: text/event-stream ... or Content-Type: application/json")
 */
export async function serveWebExchange(
  handler: WebExchangeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  parsedBody: unknown,
  options: WebExchangeOptions,
): Promise<void> {
  const response = await handler.handleRequest(toWebRequest(req), { parsedBody });
  options.onAccepted?.();
  if (!response.body) {
    res.writeHead(response.status, headerRecord(response.headers)).end();
    return;
  }
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const bytes = Buffer.from(await response.arrayBuffer());
    res
      .writeHead(response.status, { ...headerRecord(response.headers), 'content-length': String(bytes.length) })
      .end(bytes);
    return;
  }
  const reader = response.body.getReader();
  let finished = false;
  const hangUp = () => {
    // The client went away: cancelling lets the transport drop the stream (its events stay in the
    // event store for a resume).
    if (!finished) void reader.cancel().catch(() => {});
  };
  // A direct answer handed over to the transport may find its client already gone.
  if (res.destroyed) hangUp();
  else res.once('close', hangUp);
  const single = options.quickAnswerMs > 0 && req.method === 'POST' && isSingleRequest(parsedBody);
  const held = single
    ? await holdForQuickAnswer(reader, (parsedBody as { id: unknown }).id, options.quickAnswerMs)
    : { chunks: [], pending: undefined };
  if ('answer' in held) {
    finished = true;
    writeJsonAnswer(res, response.status, held.answer, response.headers.get('mcp-session-id') ?? undefined);
    return;
  }
  res.writeHead(response.status, headerRecord(response.headers));
  if (held.chunks.length > 0) res.write(Buffer.concat(held.chunks));
  else res.flushHeaders();
  try {
    let next = held.pending ?? reader.read();
    for (;;) {
      const { done, value } = await next;
      if (done || res.destroyed) break;
      if (!res.write(value)) await drained(res);
      next = reader.read();
    }
  } catch {
    // The transport errored or the client hung up; either way this stream is over.
  } finally {
    finished = true;
    if (!res.writableEnded) res.end();
  }
}

/**
 * An answer as one `application/json` body. Of a stream's headers only the session id applies to
 * a JSON body (every header is parsed by the client on every call).
 */
export function writeJsonAnswer(
  res: ServerResponse,
  status: number,
  answer: Buffer | string,
  sessionId: string | undefined,
): void {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(answer)),
  };
  if (sessionId) headers['mcp-session-id'] = sessionId;
  res.writeHead(status, headers).end(answer);
}

type Held =
  { answer: Buffer } | { chunks: Uint8Array[]; pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined };

/**
 * Reads the stream until the deadline. If the first message is followed at once by the end of the
 * stream (the transport closes a request's stream in the same tick as it writes the answer), that
 * message is the whole answer; otherwise everything read so far is handed back to be streamed, with
 * the read still in flight, if any.
 */
async function holdForQuickAnswer(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  requestId: unknown,
  ms: number,
): Promise<Held> {
  const chunks: Uint8Array[] = [];
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    let pending = reader.read();
    for (;;) {
      const step = await Promise.race([pending, late]);
      if (step === 'late') return { chunks, pending };
      if (step.done) return { chunks, pending };
      chunks.push(step.value);
      pending = reader.read();
      if (!isMessageEvent(step.value)) continue;
      // A close already queued settles within microtasks; setImmediate runs after them.
      const after = await Promise.race([pending, new Promise<'open'>((resolve) => setImmediate(resolve, 'open'))]);
      if (after !== 'open' && after.done) {
        const answer = eventData(step.value);
        // A stream also ends when its session closes: only a response to this very request may become the body.
        if (answer && isResponseTo(answer.toString('utf8'), requestId)) return { answer };
      }
      return { chunks, pending };
    }
  } finally {
    clearTimeout(timer);
  }
}

function isMessageEvent(chunk: Uint8Array): boolean {
  if (chunk.byteLength < SSE_MESSAGE_PREFIX.length) return false;
  return (
    Buffer.from(chunk.buffer, chunk.byteOffset, SSE_MESSAGE_PREFIX.length).toString('latin1') === SSE_MESSAGE_PREFIX
  );
}

/** The `data:` field of one SSE event as written by the transport (`JSON.stringify` output is one line). */
function eventData(chunk: Uint8Array): Buffer | undefined {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const at = bytes.indexOf(SSE_DATA_FIELD);
  if (at < 0 || !bytes.subarray(bytes.length - 2).equals(Buffer.from('\n\n'))) return undefined;
  const data = bytes.subarray(at + SSE_DATA_FIELD.length, bytes.length - 2);
  return data.includes(0x0a) ? undefined : data;
}

function isSingleRequest(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'method' in body && 'id' in body;
}

/**
 * The headers the transport reads. Nothing else is passed on: the gateway has already checked Host,
 * Origin and the client's key, and the key has no business in the SDK's per-request `requestInfo`.
 */
const TRANSPORT_HEADERS = [
  'accept',
  'content-type',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
] as const;

/**
 * The request as the transport sees it. Not a full `Request`: constructing one (URL parsing, a
 * second copy of the headers, body machinery) cost more per call than the rest of this adapter,
 * and the transport (SDK 1.32.2, pinned) reads only `method`, `url`, `headers.get()` and
 * `headers.entries()`, and `json()` when it has no parsed body, which it always has here.
 */
function toWebRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const name of TRANSPORT_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  const request = {
    method: req.method ?? 'GET',
    url: `http://127.0.0.1${req.url ?? '/'}`,
    headers,
    json: () => Promise.reject(new TypeError('the gateway passes the parsed body')),
  };
  return request as unknown as Request;
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
