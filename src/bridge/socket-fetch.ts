import http from 'node:http';
import { Readable } from 'node:stream';

/**
 * A fetch that speaks HTTP over a Unix domain socket or Windows named pipe (Node's fetch
 * cannot). Streams the response body, so SSE works.
 */
export function socketFetch(socketPath: string) {
  return (input: string | URL, init?: RequestInit): Promise<Response> =>
    new Promise((resolve, reject) => {
      const url = new URL(String(input));
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((value, key) => {
        headers[key] = value;
      });
      const req = http.request(
        {
          socketPath,
          path: `${url.pathname}${url.search}`,
          method: init?.method ?? 'GET',
          headers: { ...headers, host: 'localhost' },
        },
        (res) => {
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) for (const item of value) responseHeaders.append(key, item);
            else if (value !== undefined) responseHeaders.set(key, value);
          }
          const status = res.statusCode ?? 500;
          const body =
            status === 204 || status === 304 || init?.method === 'HEAD'
              ? null
              : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          if (!body) res.resume();
          resolve(new Response(body, { status, headers: responseHeaders }));
        },
      );
      req.on('error', reject);
      const signal = init?.signal;
      if (signal) {
        if (signal.aborted) req.destroy(new DOMException('aborted', 'AbortError'));
        signal.addEventListener('abort', () => req.destroy(new DOMException('aborted', 'AbortError')), { once: true });
      }
      if (init?.body !== undefined && init.body !== null)
        req.end(typeof init.body === 'string' ? init.body : Buffer.from(init.body as ArrayBuffer));
      else req.end();
    });
}
