/**
 * `GET /oauth/callback`: the loopback redirect URI of every upstream OAuth flow.
 *
 * It redeems a `state` once, after its consent was approved and before it expires, exchanges
 * the code, and shows a small page. Codes, states and tokens never reach a log or the page:
 * only the path and the outcome are logged.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc8252#section-7.3
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#oauth-state-parameter-validation
 */
import type express from 'express';
import type { Logger } from 'pino';
import { AirlockError, quote } from '../errors.ts';
import type { PendingFlows } from './pending-flows.ts';

export const CALLBACK_PATH = '/oauth/callback';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res: express.Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    })
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        `<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em}</style></head>` +
        `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>`,
    );
}

function errorKind(error: unknown): string {
  if (error instanceof AirlockError) return error.code;
  const code = (error as { errorCode?: unknown } | null)?.errorCode;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
}

/** One value of a query parameter; a repeated parameter is refused (which one would count?). */
function single(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : null;
}

export function mountOAuthCallback(
  app: express.Express,
  options: { flows: PendingFlows; expectedHost: () => string; logger: () => Logger | undefined },
): void {
  const log = (outcome: string, extra: Record<string, unknown> = {}) =>
    options.logger()?.info({ path: CALLBACK_PATH, outcome, ...extra }, 'oauth callback');
  const rejected = (res: express.Response, reason: string) => {
    log('rejected', { reason });
    page(
      res,
      400,
      'Sign-in link not accepted',
      'This sign-in link is not valid: it was already used, it expired, or Airlock did not start it. Nothing was signed in. Start the sign-in again from Airlock.',
    );
  };

  app.get(CALLBACK_PATH, async (req, res) => {
    // Exactly the registered redirect URI: same host, same path (no trailing slash, no case games).
    if (req.path !== CALLBACK_PATH || req.headers.host !== options.expectedHost()) {
      rejected(res, 'redirect-uri-mismatch');
      return;
    }
    const state = single(req.query.state);
    const code = single(req.query.code);
    const error = single(req.query.error);
    if (!state || code === null || error === null) {
      rejected(res, 'malformed');
      return;
    }
    let taken = options.flows.take(state);
    if (!taken.ok && taken.reason === 'not-approved') {
      await options.flows.whenApproved(state, 3000);
      taken = options.flows.take(state);
    }
    if (!taken.ok) {
      rejected(res, taken.reason);
      return;
    }
    const { flow } = taken;
    const target = flow.kind === 'provider' ? `provider ${flow.displayName}` : flow.displayName;
    if (error !== undefined || !code) {
      taken.fail(
        new AirlockError('OAUTH_DENIED', `the authorization server answered ${quote(error ?? 'without a code')}`),
      );
      log('denied', { target: flow.name });
      page(
        res,
        400,
        `Sign-in to ${target} not completed`,
        `The authorization server did not grant access${error ? ` (${error})` : ''}. You can close this tab.`,
      );
      return;
    }
    try {
      await taken.exchange(code);
    } catch (exchangeError) {
      // Only the kind of error: an AS's error text could echo what the request carried.
      log('exchange-failed', { target: flow.name, err: errorKind(exchangeError) });
      page(
        res,
        502,
        `Sign-in to ${target} failed`,
        'The authorization server did not accept the sign-in. Try again from Airlock. You can close this tab.',
      );
      return;
    }
    log('signed-in', { target: flow.name });
    page(res, 200, `Signed in to ${target}`, `Signed in to ${target}, you can close this tab.`);
  });
}
