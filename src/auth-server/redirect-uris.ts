/**
 * Which redirect URIs a client may register, and how the consent describes one.
 *
 * Native clients (Cursor, VS Code, Windsurf, CLI tools) redirect either to a loopback listener
 * (`http://127.0.0.1:PORT/...`, any port at authorization time, RFC 8252 §7.3) or to their own
 * private-use URI scheme (`cursor://...`, `vscode://...`, RFC 8252 §7.1). `https` redirects are
 * accepted too (web-based clients), but the consent says the code goes to a web site.
 * Plain `http` to anything but loopback is refused: the code would cross the network in clear.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-7
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Schemes that are not an app's own: a browser would run, show or fetch them instead. */
const REFUSED_SCHEMES = new Set([
  'javascript:',
  'data:',
  'vbscript:',
  'file:',
  'blob:',
  'about:',
  'filesystem:',
  'ftp:',
  'ws:',
  'wss:',
  'mailto:',
  'view-source:',
  'chrome:',
  'intent:',
]);

export const MAX_REDIRECT_URIS = 10;
export const MAX_REDIRECT_URI_LENGTH = 2000;

export type RedirectKind = 'loopback' | 'app-scheme' | 'https';

/** Why a redirect URI cannot be registered, or undefined when it can. */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > MAX_REDIRECT_URI_LENGTH) return `is longer than ${MAX_REDIRECT_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  // RFC 6749 §3.1.2: the redirection endpoint URI must not include a fragment.
  if (url.hash || uri.includes('#')) return 'has a fragment';
  if (REFUSED_SCHEMES.has(url.protocol)) return `uses the ${url.protocol} scheme`;
  if (url.username || url.password) return 'carries credentials';
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))
    return 'is plain http to a host other than this computer';
  return undefined;
}

export function redirectKind(uri: string): RedirectKind {
  const url = new URL(uri);
  if (url.protocol === 'https:') return 'https';
  if (url.protocol === 'http:') return 'loopback';
  return 'app-scheme';
}

/** A sentence for the consent: where the authorization code will go. */
export function describeRedirect(uri: string): string {
  const url = new URL(uri);
  switch (redirectKind(uri)) {
    case 'loopback':
      return `The sign-in result goes to a program listening on this computer (${url.host}); any local program can listen there, so approve only if you just started this sign-in.`;
    case 'https':
      return `The sign-in result goes to the web site ${url.host}, not to an app on this computer.`;
    case 'app-scheme':
      return `The sign-in result goes to the app that handles ${url.protocol}// links on this computer.`;
  }
}
