import { NAME_PATTERN } from '../config/schema.ts';
import type { SessionRoute } from './client-session.ts';

/**
 * Which MCP endpoint a request path names: `/mcp` (every server the client may use), `/mcp/SERVER`
 * (one server), `'bad'` (a `/mcp/...` path that names no valid server), or undefined (not MCP).
 */
export function routeOf(pathname: string): SessionRoute | undefined | 'bad' {
  if (pathname === '/mcp' || pathname === '/mcp/') return { kind: 'all' };
  const match = /^\/mcp\/([^/]+)\/?$/.exec(pathname);
  if (!match) return undefined;
  let server: string;
  try {
    server = decodeURIComponent(match[1]!);
  } catch {
    return 'bad'; // a malformed %-escape names no server
  }
  return NAME_PATTERN.test(server) ? { kind: 'one', server } : 'bad';
}

/** Segments that no URL parser would change: no dot segments, empty segments, escapes, query or fragment. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9_~.-]*)*\/?$/;

/**
 * The path of a request target, as the WHATWG URL parser would give it. The parser (which
 * normalises dot segments and escapes) runs only for targets it could change: on the hot path a
 * plain `/mcp/SERVER` costs a regular expression instead.
 */
export function pathnameOf(target: string | undefined): string {
  if (target !== undefined && PLAIN_PATH.test(target)) return target;
  return new URL(target ?? '/', 'http://127.0.0.1').pathname;
}
