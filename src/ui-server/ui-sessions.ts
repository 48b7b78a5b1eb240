import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** How long a printed sign-in link stays usable. */
export const LOGIN_LINK_TTL_MS = 10 * 60 * 1000;
/** A UI session ends after this long without a request (the browser tab was left alone). */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;

export interface UiSessionsOptions {
  /** The gateway's port: part of the cookie name, so two gateways on one machine keep apart. */
  port: () => number;
  now?: () => number;
}

function randomToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function hash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** The value of one cookie from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * Browser sessions for the headless `/ui/`. The admin token never reaches the browser: `airlock
 * serve` prints a one-time link instead; opening it trades the link's token for a random session
 * id in an HttpOnly, SameSite=Strict cookie. Only hashes of tokens and ids are kept in memory, so
 * sessions end with the gateway process.
 */
export class UiSessions {
  readonly #options: UiSessionsOptions;
  readonly #now: () => number;
  /** hash(login token) -> expiry. */
  readonly #logins = new Map<string, number>();
  /** hash(session id) -> last use. */
  readonly #sessions = new Map<string, number>();

  constructor(options: UiSessionsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get cookieName(): string {
    return `airlock_ui_${this.#options.port()}`;
  }

  /** A new single-use login token, valid for {@link LOGIN_LINK_TTL_MS}. */
  createLoginToken(): string {
    this.#sweep();
    const token = randomToken();
    this.#logins.set(hash(token), this.#now() + LOGIN_LINK_TTL_MS);
    return token;
  }

  /** Spends a login token: returns a new session id, or undefined if the token is unknown, used or expired. */
  redeem(token: string): string | undefined {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) return undefined;
    const key = hash(token);
    const expires = this.#logins.get(key);
    // Deleted before anything else, so a token can be spent once however requests interleave.
    this.#logins.delete(key);
    if (expires === undefined || expires < this.#now()) return undefined;
    const session = randomToken();
    this.#sessions.set(hash(session), this.#now());
    return session;
  }

  /** The Set-Cookie value for a new session. */
  cookieFor(session: string): string {
    return `${this.cookieName}=${session}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** Whether the request carries a live session cookie (and refreshes it). */
  isSession(req: IncomingMessage): boolean {
    const value = readCookie(req.headers.cookie, this.cookieName);
    if (!value || value.length > 200) return false;
    const key = hash(value);
    const lastUse = this.#sessions.get(key);
    if (lastUse === undefined) return false;
    if (lastUse + SESSION_IDLE_MS < this.#now()) {
      this.#sessions.delete(key);
      return false;
    }
    this.#sessions.set(key, this.#now());
    return true;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, expires] of this.#logins) if (expires < now) this.#logins.delete(key);
    for (const [key, lastUse] of this.#sessions) if (lastUse + SESSION_IDLE_MS < now) this.#sessions.delete(key);
  }
}
