/**
 * `airlock://app/...`: the renderer's built files (`dist-renderer/`) served to our own windows,
 * with a strict Content-Security-Policy on every response. A privileged, standard, secure scheme
 * gives the pages a real origin without a local web server or `file://` (which would let any
 * page read any file).
 *
 * @see https://www.electronjs.org/docs/latest/tutorial/security#18-avoid-usage-of-the-file-protocol-and-prefer-usage-of-custom-protocols
 */
import path from 'node:path';

export const APP_SCHEME = 'airlock';
export const APP_HOST = 'app';
export const DASHBOARD_PAGE = '/index.html';
export const CONSENT_PAGE = '/consent.html';

export function appUrl(page: string, hash = ''): string {
  return `${APP_SCHEME}://${APP_HOST}${page}${hash}`;
}

/** No inline scripts, no remote anything, no framing, no forms, no plugins. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `root` a request URL names, or undefined for anything else (another scheme or
 * host, a path escaping `root`, encoded separators). `/` serves the dashboard.
 */
export function resolveAppFile(root: string, requestUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  if (pathname === '/' || pathname === '') pathname = DASHBOARD_PAGE;
  const base = path.resolve(root);
  const file = path.resolve(base, `.${pathname}`);
  if (file !== base && !file.startsWith(base + path.sep)) return undefined;
  return file;
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Builds the response for one request; `readFile` is the only I/O (injected for tests). */
export async function serveAppFile(
  root: string,
  requestUrl: string,
  readFile: (file: string) => Promise<Buffer>,
): Promise<AppResponse> {
  const headers = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
  };
  const file = resolveAppFile(root, requestUrl);
  if (!file) return { status: 404, headers: { ...headers, 'content-type': 'text/plain' }, body: 'Not found' };
  try {
    const body = await readFile(file);
    return { status: 200, headers: { ...headers, 'content-type': contentTypeOf(file) }, body };
  } catch {
    return { status: 404, headers: { ...headers, 'content-type': 'text/plain' }, body: 'Not found' };
  }
}
