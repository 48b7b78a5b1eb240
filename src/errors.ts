/**
 * The two kinds of error in Airlock.
 *
 * - Misuse of an API by our own code: a `TypeError` carrying a `code` (see {@link misuse}).
 * - Domain failures a user can meet (bad config, a missing secret, a refused URL...):
 *   an {@link AirlockError} with a stable string `code` and a message fit to show the user.
 *
 * Attacker-controlled strings (server names from a file, upstream messages, URLs) never go
 * into a message raw: pass them through {@link quote}, which JSON-encodes them.
 */
export class AirlockError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AirlockError';
    this.code = code;
  }
}

/** A programming error: wrong arguments to an internal API. */
export function misuse(code: string, message: string): TypeError & { code: string } {
  const error = new TypeError(message) as TypeError & { code: string };
  error.code = code;
  return error;
}

/** JSON-encodes an untrusted string for a message, bounded so a hostile value cannot flood a log. */
export function quote(value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : String(value);
  const clipped = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(clipped);
}

export function isAirlockError(error: unknown): error is AirlockError {
  return error instanceof AirlockError;
}

/** A message safe to show for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return quote(error);
}
