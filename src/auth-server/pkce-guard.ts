/**
 * Refuses authorization requests without PKCE S256 before the SDK handler sees them, so the error
 * reaches the client with its `state` (the SDK handler drops `state` when its own parameter check
 * fails). Requests whose client or redirect URI is not valid pass through untouched: the SDK
 * handler answers those directly, never redirecting to an unverified URI.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc7636#section-4.2
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.2.1
 */
import type { NextFunction, Request, Response } from 'express';
import { redirectUriMatches } from '@modelcontextprotocol/sdk/server/auth/handlers/authorize.js';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';

/** An S256 challenge is the base64url SHA-256 of the verifier: 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function pkceProblem(params: Record<string, unknown>): string | undefined {
  const challenge = params.code_challenge;
  if (typeof challenge !== 'string' || challenge === '') return 'code_challenge is required (PKCE)';
  if (params.code_challenge_method !== 'S256') return 'code_challenge_method must be S256';
  if (!S256_CHALLENGE.test(challenge)) return 'code_challenge is not an S256 challenge';
  return undefined;
}

export function pkceGuard(clients: OAuthRegisteredClientsStore) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const params = ((req.method === 'POST' ? req.body : req.query) ?? {}) as Record<string, unknown>;
    const problem = pkceProblem(params);
    if (!problem) {
      next();
      return;
    }
    void (async () => {
      const client = typeof params.client_id === 'string' ? await clients.getClient(params.client_id) : undefined;
      const requested = params.redirect_uri;
      let target: string | undefined;
      if (client && typeof requested === 'string') {
        target = client.redirect_uris.some((registered) => redirectUriMatches(requested, registered))
          ? requested
          : undefined;
      } else if (client && requested === undefined && client.redirect_uris.length === 1) {
        target = client.redirect_uris[0];
      }
      if (!target) {
        next();
        return;
      }
      const url = new URL(target);
      url.searchParams.set('error', 'invalid_request');
      url.searchParams.set('error_description', problem);
      if (typeof params.state === 'string') url.searchParams.set('state', params.state);
      res.set('cache-control', 'no-store').redirect(302, url.href);
    })().catch(next);
  };
}
