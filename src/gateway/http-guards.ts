import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * DNS-rebinding defence: a page on a hostile site that rebinds its name to 127.0.0.1 still
 * sends its own Host and Origin, so both are checked before anything else.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#security-warning
 */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function allowedOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]);
}

/** The sets for the gateway's port, built once rather than for every request. */
let cached: { port: number; hosts: Set<string>; origins: Set<string> } | undefined;

export function checkHostAndOrigin(req: IncomingMessage, port: number): string | undefined {
  if (cached?.port !== port) cached = { port, hosts: allowedHosts(port), origins: allowedOrigins(port) };
  const host = req.headers.host?.toLowerCase();
  if (!host || !cached.hosts.has(host)) return 'Host header not allowed';
  const origin = req.headers.origin;
  if (origin !== undefined && !cached.origins.has(origin.toLowerCase())) return 'Origin not allowed';
  return undefined;
}

export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
  }
}

/** Reads a request body up to a limit; stops reading (and fails) as soon as the limit is passed. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        // Stop reading: the rest is never read (see refuseTooLarge), so it never reaches memory.
        req.pause();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Answers 413 without reading the rest of the body. The answer is complete (Content-Length), but the
 * response is ended only once the client has gone, or after `graceMs`: Node closes a connection with
 * unread input at once, and the kernel's reset can destroy the 413 before the client has read it.
 * The unread input stays in the socket buffers (backpressure), never in memory.
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, message: string, graceMs = 5_000): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message }, id: null });
  req.pause();
  res.writeHead(413, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(text)),
    connection: 'close',
  });
  res.write(text);
  const finish = () => {
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(finish, graceMs);
  timer.unref();
  req.once('close', finish);
  req.once('end', finish);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** A JSON-RPC error response for requests rejected before any MCP processing. */
export function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}
