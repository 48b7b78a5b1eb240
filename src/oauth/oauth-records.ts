/**
 * Where OAuth state lives in the vault, and in what shape.
 *
 * - `oauth/client/<issuer-hash>`: a dynamically registered client, one per authorization server
 *   (and redirect URI), shared by every server signed in through that server: registering once
 *   per AS is what RFC 7591 intends, and the AS shows the user one "Airlock" client.
 * - `oauth/server/<name>`: per upstream server (so per resource, RFC 8707): its tokens, the
 *   discovery result, the scope granted and the code verifier of a flow in progress. Tokens
 *   are never shared between resources, even on one AS: each was issued for its own audience.
 * - `oauth/provider/<name>`: tokens for an `oauthProviders` entry (`${oauth:NAME}`).
 *
 * Token fields keep names ending in `token`/`secret`, so the redactor hides their values in
 * everything Airlock sends to clients and writes to logs (see redaction-values.ts).
 */
import { createHash } from 'node:crypto';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Vault } from '../vault/vault.ts';

export const serverRecordName = (server: string): string => `oauth/server/${server}`;
export const providerRecordName = (provider: string): string => `oauth/provider/${provider}`;
export const clientRecordName = (issuer: string): string =>
  `oauth/client/${createHash('sha256').update(normalizeIssuer(issuer)).digest('hex').slice(0, 32)}`;

/** `https://as.example` and `https://as.example/` name one authorization server. */
export function normalizeIssuer(issuer: string): string {
  try {
    return new URL(issuer).href.replace(/\/$/, '');
  } catch {
    return issuer;
  }
}

export interface ServerOAuthRecord {
  /** The server URL the tokens were obtained for; a changed URL discards them. */
  resource: string;
  discovery?: OAuthDiscoveryState;
  tokens?: OAuthTokens;
  /** Epoch ms when the access token expires, if the AS said, and when it was obtained. */
  expiresAt?: number;
  obtainedAt?: number;
  /** The scope requested (and, unless the AS said otherwise, granted) for the current tokens. */
  grantedScope?: string;
  /** PKCE verifier of the authorization in progress (one per server at a time). */
  codeVerifier?: string;
}

export interface ClientOAuthRecord {
  issuer: string;
  redirectUri: string;
  info: OAuthClientInformationMixed;
}

export interface ProviderOAuthRecord {
  access_token: string;
  refresh_token?: string;
  token_type?: string;
  scope?: string;
  expiresAt?: number;
  obtainedAt: number;
}

export async function readJson<T>(vault: Vault, name: string): Promise<T | undefined> {
  const raw = await vault.get(name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export async function writeJson(vault: Vault, name: string, value: unknown): Promise<void> {
  await vault.set(name, JSON.stringify(value));
}

/** Epoch ms of expiry from a token response's `expires_in`, if any. */
export function expiryOf(tokens: { expires_in?: number | undefined }, now = Date.now()): number | undefined {
  return typeof tokens.expires_in === 'number' && tokens.expires_in > 0 ? now + tokens.expires_in * 1000 : undefined;
}

/** Whether every scope in `wanted` is in `granted` (space-separated lists). */
export function scopeCovers(granted: string | undefined, wanted: string | undefined): boolean {
  if (!wanted) return true;
  const have = new Set((granted ?? '').split(/\s+/).filter(Boolean));
  return wanted
    .split(/\s+/)
    .filter(Boolean)
    .every((scope) => have.has(scope));
}

/** Union of space-separated scope lists, order kept. */
export function mergeScopes(...lists: (string | undefined)[]): string | undefined {
  const all = new Set<string>();
  for (const list of lists) for (const scope of (list ?? '').split(/\s+/).filter(Boolean)) all.add(scope);
  return all.size ? [...all].join(' ') : undefined;
}
