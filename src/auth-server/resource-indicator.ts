/**
 * Which of Airlock's MCP endpoints a token is for (RFC 8707 resource indicators), and whether a
 * token's audience lets it reach the endpoint a request names.
 *
 * Policy: a token is good at exactly the endpoint it was issued for. A `/mcp` token does not work
 * at `/mcp/SERVER` (and the reverse), even for a granted server: the audience is the resource, as
 * RFC 8707 defines it, and a client that wants another endpoint signs in for it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8707.html#section-2
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#canonical-server-uri
 */
import { NAME_PATTERN } from '../config/schema.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface ResourceContext {
  /** The gateway's port: a resource on another port is someone else's. */
  port: number;
  /** Configured server names (for `/mcp/SERVER`). */
  servers: readonly string[];
}

export interface McpResource {
  /** Canonical form, always on 127.0.0.1: `http://127.0.0.1:PORT/mcp[/SERVER]`. */
  resource: string;
  /** `/mcp` or `/mcp/SERVER`. */
  path: string;
  /** Set for `/mcp/SERVER`. */
  server?: string;
}

/** The canonical URL of an endpoint path on this gateway. */
export function resourceFor(port: number, path: string): string {
  return `http://127.0.0.1:${port}${path}`;
}

/**
 * Reads a `resource` parameter: one of this gateway's MCP endpoints, on any loopback alias of its
 * host and port (uppercase scheme and host accepted, a trailing slash ignored), with no query or
 * fragment. Returns undefined for anything else.
 */
export function parseMcpResource(raw: string, context: ResourceContext): McpResource | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  if (url.port !== String(context.port) || url.search || url.hash || url.username || url.password) return undefined;
  const path = normalizeMcpPath(url.pathname);
  if (!path) return undefined;
  const server = path === '/mcp' ? undefined : path.slice('/mcp/'.length);
  if (server !== undefined && !context.servers.includes(server)) return undefined;
  return { resource: resourceFor(context.port, path), path, ...(server === undefined ? {} : { server }) };
}

/** `/mcp` or `/mcp/SERVER` without a trailing slash, or undefined for any other path. */
export function normalizeMcpPath(pathname: string): string | undefined {
  const trimmed = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname;
  if (trimmed === '/mcp') return trimmed;
  const match = /^\/mcp\/([^/]+)$/.exec(trimmed);
  if (!match) return undefined;
  let server: string;
  try {
    server = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  return NAME_PATTERN.test(server) ? `/mcp/${server}` : undefined;
}

/**
 * Whether a token issued for `audience` may be used on a request to `pathname`. The host and port
 * are not compared: the gateway only accepts requests whose Host is its own loopback address.
 */
export function audienceAllowsPath(audience: string, pathname: string): boolean {
  let audiencePath: string | undefined;
  try {
    audiencePath = normalizeMcpPath(new URL(audience).pathname);
  } catch {
    return false;
  }
  return audiencePath !== undefined && audiencePath === normalizeMcpPath(pathname);
}
