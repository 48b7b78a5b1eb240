import http from 'node:http';
import { Readable } from 'node:stream';
import { readSseAnswer, type SseAnswer } from './sse-answer.ts';

type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * One keep-alive pool for every plain-HTTP upstream. Node honours the server's `Keep-Alive:
 * timeout` hint, so an idle socket is dropped before the server would close it.
 */
const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers) {
    headers.forEach((value, key) => {
      out[key] = value;
    });
  } else if (Array.isArray(headers)) {
    for (const [key, value] of headers) if (key !== undefined && value !== undefined) out[key.toLowerCase()] = value;
  } else {
    for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = value;
  }
  return out;
}

function responseHeaders(res: http.IncomingMessage): Headers {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

function send(url: URL, init: RequestInit | undefined, body: string | Buffer | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const method = init?.method ?? 'GET';
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) {
      reject(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'));
      return;
    }
    const headers = headerRecord(init?.headers);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = http.request({
      agent,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || 80,
      path: `${url.pathname}${url.search}`,
      method,
      headers,
    });
    let settled = false;
    const onAbort = () => {
      const reason = signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
      req.destroy(reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError'));
    };
    // The SDK passes one long-lived signal for every request of a transport: the listener must go
    // when this exchange ends, or they pile up.
    const done = () => signal?.removeEventListener('abort', onAbort);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('error', (error: NodeJS.ErrnoException & { staleSocket?: boolean }) => {
      done();
      if (req.reusedSocket && error.code === 'ECONNRESET') error.staleSocket = true;
      if (!settled) {
        settled = true;
        reject(error);
      }
    });
    req.once('response', (res) => {
      settled = true;
      res.once('close', done);
      const status = res.statusCode ?? 502;
      const noBody = status === 204 || status === 304 || method === 'HEAD';
      if (noBody) res.resume();
      const requestId = status === 200 && isEventStream(res) ? singleRequestId(method, body) : undefined;
      if (requestId !== undefined) {
        readSseAnswer(res, requestId).then(
          (answer) => resolve(answerResponse(res, answer)),
          (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
        );
        return;
      }
      resolve(
        new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
          status,
          statusText: res.statusMessage ?? '',
          headers: responseHeaders(res),
        }),
      );
    });
    req.end(body);
  });
}

function isEventStream(res: http.IncomingMessage): boolean {
  return (res.headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream');
}

/** Larger bodies are not worth parsing here just to learn the id. */
const MAX_PEEK_BYTES = 256 * 1024;

/** The id of the one JSON-RPC request a POST carries, if that is what it carries. */
function singleRequestId(method: string, body: string | Buffer | undefined): string | number | undefined {
  if (method !== 'POST' || body === undefined || body.length > MAX_PEEK_BYTES) return undefined;
  try {
    const message = JSON.parse(body.toString()) as unknown;
    if (typeof message !== 'object' || message === null || Array.isArray(message) || !('method' in message)) {
      return undefined;
    }
    const id = (message as { id?: unknown }).id;
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The Response the SDK client gets for an SSE answer: the answer as JSON, or the stream as it came. */
function answerResponse(res: http.IncomingMessage, answer: SseAnswer): Response {
  const init = { status: res.statusCode ?? 200, statusText: res.statusMessage ?? '' };
  if (answer.kind === 'stream') return new Response(answer.body, { ...init, headers: responseHeaders(res) });
  // Of a 200's headers the SDK client reads the session id and the content type.
  const session = res.headers['mcp-session-id'];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (typeof session === 'string') headers['mcp-session-id'] = session;
  return new Response(answer.json, { ...init, headers });
}

/**
 * A `fetch` for plain-HTTP upstreams over `node:http` with a keep-alive pool: per call it costs
 * the gateway much less CPU than the global (undici) fetch, which showed up as the largest single
 * item in the gateway's profile. Anything it does not need to handle fast (https, request bodies
 * other than text or bytes, redirects to follow) goes to `fallback`, the global fetch.
 * Response bodies are streamed, so SSE works; an SSE answer that is only the response to the one
 * request sent comes back as a JSON body (see readSseAnswer).
 */
export function nodeHttpFetch(fallback: FetchLike = fetch): FetchLike {
  return async (input, init) => {
    const url = input instanceof URL ? input : new URL(String(input));
    const raw = init?.body;
    const simpleBody =
      raw === undefined ||
      raw === null ||
      typeof raw === 'string' ||
      raw instanceof Uint8Array ||
      raw instanceof ArrayBuffer;
    if (url.protocol !== 'http:' || !simpleBody || url.username || url.password) return fallback(input, init);
    const body =
      raw === undefined || raw === null
        ? undefined
        : typeof raw === 'string'
          ? raw
          : raw instanceof ArrayBuffer
            ? Buffer.from(raw)
            : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let response: Response;
    try {
      response = await send(url, init, body);
    } catch (error) {
      // A kept-alive socket the server closed at the moment it was reused: the request never got
      // there, so sending it again on a fresh socket is safe (the documented Node pattern).
      if (!(error as { staleSocket?: boolean }).staleSocket || init?.signal?.aborted) throw error;
      response = await send(url, init, body);
    }
    const redirect = init?.redirect ?? 'follow';
    if (response.status >= 300 && response.status < 400 && response.headers.has('location') && redirect !== 'manual') {
      await response.body?.cancel().catch(() => {});
      return fallback(input, init);
    }
    return response;
  };
}
