/**
 * What a consent presenter must know about a URL before the user decides to open it.
 *
 * The URL comes from an upstream server, so it is hostile until proven otherwise: only
 * `http:`/`https:` pass, plain `http:` only to loopback (unless explicitly allowed, with a
 * warning), and look-alike tricks (punycode, mixed scripts, `user@host`, another site than
 * the server's own, raw IP addresses) produce warnings the presenter shows next to the URL.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#safe-url-handling
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#oauth-authorization-url-validation
 */
import { domainToUnicode } from 'node:url';
import { isIP } from 'node:net';
import { AirlockError, quote } from '../errors.ts';

export type ConsentWarningCode =
  'punycode' | 'mixed-script' | 'host-mismatch' | 'not-https' | 'ip-address' | 'credentials-in-url';

export interface ConsentWarning {
  code: ConsentWarningCode;
  /** Fit to show the user; untrusted parts are JSON-quoted. */
  message: string;
}

export interface UrlInspection {
  /** The normalized href: exactly what is shown and, on approval, opened. */
  url: string;
  /** `'http:'` or `'https:'`. */
  protocol: string;
  /** The hostname decoded to Unicode, for display next to the warnings. IPv6 keeps its brackets. */
  host: string;
  /** The hostname as it appears in {@link url} (punycode, lowercase). */
  asciiHost: string;
  /** `url.slice(hostStart, hostEnd) === asciiHost`: the span a UI highlights. */
  hostStart: number;
  hostEnd: number;
  warnings: ConsentWarning[];
}

export interface InspectUrlContext {
  /** The URL of the server that asks, to warn when the link leads to another site. */
  serverUrl?: string;
  /** Accept non-loopback `http:` (with a `not-https` warning) instead of refusing it. */
  allowInsecureHttp?: boolean;
}

/** Longer URLs are refused: nobody can review them, and no sign-in flow needs them. */
export const MAX_URL_LENGTH = 8192;

/**
 * Parses, normalizes and checks a URL a server wants opened.
 * @throws AirlockError `URL_REFUSED` for anything that must never be opened.
 */
export function inspectUrl(url: string, context: InspectUrlContext = {}): UrlInspection {
  const parsed = parseOpenableUrl(url, context.allowInsecureHttp === true);
  const href = parsed.href;
  const asciiHost = parsed.hostname;
  const host = displayHost(asciiHost);
  const { hostStart, hostEnd } = locateHost(href, parsed.protocol, asciiHost);
  const warnings: ConsentWarning[] = [];

  if (parsed.protocol === 'http:' && !isLoopbackHost(asciiHost)) {
    warnings.push({
      code: 'not-https',
      message: `The link is not encrypted (http:): anyone on the network path to ${quote(asciiHost)} can read or change it.`,
    });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    warnings.push({
      code: 'credentials-in-url',
      // The user name is not repeated: tokens are sometimes passed that way.
      message: `The link hides login details before an "@"; the site it actually opens is ${quote(host)}.`,
    });
  }
  if (isIpHost(asciiHost) && !isLoopbackHost(asciiHost)) {
    warnings.push({
      code: 'ip-address',
      message: `The link points at a raw IP address ${quote(asciiHost)} rather than a named site.`,
    });
  }
  if (asciiHost.split('.').some((label) => label.startsWith('xn--'))) {
    warnings.push({
      code: 'punycode',
      message: `The host ${quote(asciiHost)} is an encoded international name that displays as ${quote(host)}; it may imitate another site.`,
    });
  }
  const mixed = host.split('.').find((label) => scriptsAreMixed(label));
  if (mixed !== undefined) {
    warnings.push({
      code: 'mixed-script',
      message: `The host ${quote(host)} mixes alphabets in ${quote(mixed)}, a common trick to imitate another site.`,
    });
  }
  const serverHost = hostOf(context.serverUrl);
  if (serverHost !== undefined && siteOf(serverHost) !== siteOf(asciiHost)) {
    warnings.push({
      code: 'host-mismatch',
      message: `The link leads to ${quote(host)}, not to the server's own site ${quote(displayHost(serverHost))}.`,
    });
  }

  return { url: href, protocol: parsed.protocol, host, asciiHost, hostStart, hostEnd, warnings };
}

/** 127.0.0.0/8, `[::1]` and `localhost` (as WHATWG URL spells hostnames). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * The origin and path of a URL, for logs and audit: query strings and fragments carry
 * authorization codes, state and tokens, and userinfo carries passwords.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.origin === 'null') return `${parsed.protocol}…`;
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

function parseOpenableUrl(url: string, allowInsecureHttp: boolean): URL {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new AirlockError('URL_REFUSED', 'Refused to open an empty or missing URL.');
  }
  if (url.length > MAX_URL_LENGTH) {
    throw new AirlockError('URL_REFUSED', `Refused to open a URL longer than ${MAX_URL_LENGTH} characters.`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AirlockError('URL_REFUSED', `Refused to open ${quote(url)}: it is not an absolute URL.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new AirlockError(
      'URL_REFUSED',
      `Refused to open a ${quote(parsed.protocol)} URL: only http: and https: links can be opened.`,
    );
  }
  if (parsed.hostname === '') {
    throw new AirlockError('URL_REFUSED', `Refused to open ${quote(url)}: it names no host.`);
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname) && !allowInsecureHttp) {
    throw new AirlockError(
      'URL_REFUSED',
      `Refused to open ${quote(redactUrl(parsed.href))}: plain http: is only allowed to this computer (loopback); use https:.`,
    );
  }
  return parsed;
}

/** Where the hostname sits in a normalized http(s) href, after any `user:pass@`. */
function locateHost(href: string, protocol: string, asciiHost: string): { hostStart: number; hostEnd: number } {
  const authorityStart = protocol.length + 2; // "https:" + "//"
  const slash = href.indexOf('/', authorityStart);
  const authorityEnd = slash === -1 ? href.length : slash;
  // Normalized userinfo is percent-encoded, so the last "@" of the authority ends it.
  const at = href.lastIndexOf('@', authorityEnd);
  const hostStart = at >= authorityStart ? at + 1 : authorityStart;
  const hostEnd = hostStart + asciiHost.length;
  if (href.slice(hostStart, hostEnd) !== asciiHost) {
    // Cannot happen with WHATWG serialization; refuse rather than highlight the wrong text.
    throw new AirlockError('URL_REFUSED', `Refused to open ${quote(redactUrl(href))}: its host could not be located.`);
  }
  return { hostStart, hostEnd };
}

function displayHost(asciiHost: string): string {
  if (asciiHost.startsWith('[')) return asciiHost;
  return domainToUnicode(asciiHost) || asciiHost;
}

function isIpHost(hostname: string): boolean {
  return hostname.startsWith('[') || isIP(hostname) === 4;
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const hostname = new URL(url).hostname;
    return hostname === '' ? undefined : hostname;
  } catch {
    return undefined;
  }
}

/** Second-level labels under country TLDs that act as public suffixes (co.uk, com.au, ...). */
const SECOND_LEVEL_SUFFIXES = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'ne', 'or', 'go', 'gob', 'nic']);
/** Shared hosting where each customer has a subdomain: another subdomain is another owner. */
const SHARED_HOSTING_SUFFIXES = [
  'github.io',
  'gitlab.io',
  'pages.dev',
  'workers.dev',
  'vercel.app',
  'netlify.app',
  'herokuapp.com',
  'web.app',
  'firebaseapp.com',
  'appspot.com',
  'azurewebsites.net',
  'cloudfront.net',
  'amazonaws.com',
  'onrender.com',
  'fly.dev',
  'ngrok.io',
  'ngrok-free.app',
  'trycloudflare.com',
];

/**
 * An approximation of the registrable domain ("site") without a public suffix list:
 * the last two labels, three under `co.uk`-like suffixes and shared hosting, the exact host
 * for IP addresses and localhost. Errs toward warning.
 */
function siteOf(hostname: string): string {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (isIpHost(host) || !host.includes('.')) return host;
  const labels = host.split('.');
  const last = labels[labels.length - 1] ?? '';
  const secondLast = labels[labels.length - 2] ?? '';
  let keep = 2;
  if (last.length === 2 && SECOND_LEVEL_SUFFIXES.has(secondLast)) keep = 3;
  if (SHARED_HOSTING_SUFFIXES.some((suffix) => host.endsWith(`.${suffix}`))) keep = 3;
  return labels.slice(-keep).join('.');
}

const SCRIPTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Bopomofo', /\p{Script=Bopomofo}/u],
];

/**
 * Script combinations that are normal in one word (UTS #39 "highly restrictive"):
 * Latin with Japanese, Chinese or Korean scripts.
 */
const ALLOWED_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** @see https://www.unicode.org/reports/tr39/#Restriction_Level_Detection */
function scriptsAreMixed(label: string): boolean {
  const scripts = new Set<string>();
  for (const char of label) {
    if (!/\p{L}/u.test(char)) continue; // digits, hyphens and marks belong to every script
    const found = SCRIPTS.find(([, pattern]) => pattern.test(char));
    scripts.add(found ? found[0] : 'Other');
  }
  if (scripts.size < 2) return false;
  return !ALLOWED_MIXES.some((allowed) => [...scripts].every((script) => allowed.has(script)));
}
