/**
 * Airlock as the OAuth 2.1 authorization server for its own MCP endpoints (MCP Authorization):
 * an `OAuthServerProvider` for the SDK's authorize/token/register/revoke handlers, backed by the
 * vault, and the `ClientAuthenticator` that turns the access tokens it issued into grants.
 *
 * The flow: a client registers (RFC 7591) or names itself by a metadata document URL; its
 * `/oauth/authorize` request (PKCE S256 only, checked by the SDK handler) raises a `client-signin`
 * consent; the browser waits on a page until the user answers; approval issues a one-time code
 * (≤ 60 s) bound to the client, redirect URI, PKCE challenge, resource and granted servers; the
 * token endpoint trades it for a short-lived access token and a rotating refresh token.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13
 */
import crypto from 'node:crypto';
import type { Response } from 'express';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  InvalidClientMetadataError,
  InvalidGrantError,
  InvalidTargetError,
  InvalidTokenError,
  TemporarilyUnavailableError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type {
  OAuthClientInformationFull,
  OAuthTokenRevocationRequest,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { describeError, quote } from '../errors.ts';
import type { Vault } from '../vault/vault.ts';
import type { ConsentBroker } from '../consent/consent-broker.ts';
import type { ConsentOutcome } from '../consent/consent-request.ts';
import type { ClientAuthenticator, ClientGrant } from '../clients/client-grant.ts';
import { AuthServerStore, hashToken, type GrantRecord } from './auth-server-store.ts';
import { ClientMetadataDocuments, isClientMetadataUrl, type DocumentFetcher } from './client-metadata-document.ts';
import { describeRedirect, MAX_REDIRECT_URIS, redirectUriProblem } from './redirect-uris.ts';
import { parseMcpResource, resourceFor, type McpResource } from './resource-indicator.ts';
import { finishedPage, PAGE_HEADERS, waitingPage } from './wait-page.ts';

const ACCESS_PREFIX = 'alat_';
const REFRESH_PREFIX = 'alrt_';
/** OAuth 2.1 §4.1.2: a code lives briefly; 60 s is also the ceiling here. */
const MAX_CODE_TTL_MS = 60_000;
const MAX_CLIENT_NAME_LENGTH = 200;
/** Registrations that never led to a grant are pruned past this many (any local process may register). */
const MAX_UNGRANTED_REGISTRATIONS = 100;
/** How long a decided sign-in waits for its browser to come and fetch the redirect. */
const DECIDED_KEEP_MS = 5 * 60_000;

export interface AuthServerOptions {
  /** Access token lifetime; default 1 hour. */
  accessTokenTtlMs?: number;
  /** Refresh token lifetime, renewed on each rotation; default 30 days. */
  refreshTokenTtlMs?: number;
  /** Authorization code lifetime; default and maximum 60 s. */
  codeTtlMs?: number;
  /** How long the user has to answer a sign-in consent; default the broker's (10 minutes). */
  consentTimeoutMs?: number;
  /** Sign-ins waiting for an answer at once; more are refused (a local process cannot flood the user). */
  maxPendingSignins?: number;
  /** Fetches client metadata documents (tests inject one: there is no https server here). */
  fetchClientMetadata?: DocumentFetcher;
  now?: () => number;
}

export interface AuthServerContext {
  vault: Vault;
  consents: ConsentBroker;
  /** The gateway's bound port and origin (known once it listens). */
  port: () => number;
  origin: () => string;
  /** Configured server names. */
  servers: () => string[];
  audit?: (event: { type: string } & Record<string, unknown>) => void;
  onError?: (message: string) => void;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  resource: McpResource;
  servers: string[];
  clientName: string;
  clientSource: GrantRecord['clientSource'];
  expiresAt: number;
  /** The token endpoint looked at it once (PKCE check): it cannot be looked at again. */
  attempted: boolean;
}

interface PendingSignin {
  consentId: string;
  clientName: string;
  /** Set once the consent is answered: where the browser goes next. */
  location?: string;
  timer?: NodeJS.Timeout;
}

function randomToken(prefix: string): string {
  return prefix + crypto.randomBytes(32).toString('base64url');
}

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.href;
}

export class AirlockAuthServer implements OAuthServerProvider, ClientAuthenticator {
  readonly #context: AuthServerContext;
  readonly #store: AuthServerStore;
  readonly #documents: ClientMetadataDocuments;
  readonly #now: () => number;
  readonly #accessTtl: number;
  readonly #refreshTtl: number;
  readonly #codeTtl: number;
  readonly #consentTimeoutMs: number | undefined;
  readonly #maxPending: number;
  /** accessHash → grant; refreshHash → grant id; rotated-out refreshHash → grant id. */
  #byAccess = new Map<string, GrantRecord>();
  #byRefresh = new Map<string, string>();
  #byOldRefresh = new Map<string, string>();
  readonly #codes = new Map<string, PendingCode>();
  /** Codes already redeemed (until they would have expired) → the grant they produced. */
  readonly #redeemed = new Map<string, { grantId: string; until: number }>();
  readonly #signins = new Map<string, PendingSignin>();
  readonly #revokeListeners = new Set<(ids: string[]) => void>();
  #serial: Promise<unknown> = Promise.resolve();
  readonly #unsubscribe: () => void;
  readonly ready: Promise<void>;

  constructor(context: AuthServerContext, options: AuthServerOptions = {}) {
    this.#context = context;
    this.#store = new AuthServerStore(context.vault);
    this.#now = options.now ?? Date.now;
    this.#documents = new ClientMetadataDocuments({
      ...(options.fetchClientMetadata ? { fetcher: options.fetchClientMetadata } : {}),
      now: this.#now,
    });
    this.#accessTtl = options.accessTokenTtlMs ?? 60 * 60_000;
    this.#refreshTtl = options.refreshTokenTtlMs ?? 30 * 24 * 60 * 60_000;
    this.#codeTtl = Math.min(options.codeTtlMs ?? MAX_CODE_TTL_MS, MAX_CODE_TTL_MS);
    this.#consentTimeoutMs = options.consentTimeoutMs;
    this.#maxPending = options.maxPendingSignins ?? 10;
    // The CLI revokes by writing the vault; the gateway reloads it and this index follows.
    this.#unsubscribe = context.vault.onChange((names) => {
      if (names.some((name) => name.startsWith('as/grant/'))) void this.#locked(() => this.#reindex());
    });
    this.ready = this.#locked(() => this.#reindex());
  }

  get store(): AuthServerStore {
    return this.#store;
  }

  close(): void {
    this.#unsubscribe();
    for (const signin of this.#signins.values()) clearTimeout(signin.timer);
    this.#signins.clear();
    this.#codes.clear();
  }

  // ---- ClientAuthenticator -------------------------------------------------------------

  /** An access token this server issued, unexpired and not revoked, as a grant bound to its audience. */
  authenticate(token: string): ClientGrant | undefined {
    if (!token.startsWith(ACCESS_PREFIX)) return undefined;
    const grant = this.#byAccess.get(hashToken(token));
    if (!grant || grant.accessExpiresAt <= this.#now()) return undefined;
    return {
      id: `oauth:${grant.clientId}`,
      name: grant.clientName,
      kind: 'oauth',
      servers: [...grant.servers],
      audience: grant.audience,
    };
  }

  onRevoke(listener: (clientIds: string[]) => void): () => void {
    this.#revokeListeners.add(listener);
    return () => this.#revokeListeners.delete(listener);
  }

  // ---- Clients: RFC 7591 registration and metadata documents -------------------------

  get clientsStore(): OAuthRegisteredClientsStore {
    return {
      getClient: (clientId) => this.#getClient(clientId),
      registerClient: (client) => this.#registerClient(client),
    };
  }

  async #getClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
    if (isClientMetadataUrl(clientId)) {
      try {
        return await this.#documents.resolve(clientId);
      } catch (error) {
        this.#context.onError?.(`client metadata document refused: ${describeError(error)}`);
        return undefined;
      }
    }
    return (await this.#store.getClient(clientId))?.client;
  }

  /**
   * Registers a public client. Every client here is a native app on the user's machine, which
   * cannot keep a secret (RFC 8252 §8.5): no secret is issued, whatever was asked for.
   * @see https://datatracker.ietf.org/doc/html/rfc7591#section-3.2.1
   */
  async #registerClient(
    client: Omit<OAuthClientInformationFull, 'client_id' | 'client_id_issued_at'>,
  ): Promise<OAuthClientInformationFull> {
    const uris = client.redirect_uris;
    if (uris.length === 0 || uris.length > MAX_REDIRECT_URIS)
      throw new InvalidClientMetadataError(`redirect_uris must list 1 to ${MAX_REDIRECT_URIS} URIs`);
    for (const uri of uris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new InvalidClientMetadataError(`redirect URI ${quote(uri)} ${problem}`);
    }
    for (const grantType of client.grant_types ?? []) {
      if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
        throw new InvalidClientMetadataError(`grant type ${quote(grantType)} is not supported`);
    }
    for (const responseType of client.response_types ?? []) {
      if (responseType !== 'code')
        throw new InvalidClientMetadataError(`response type ${quote(responseType)} is not supported`);
    }
    if (client.client_name !== undefined && client.client_name.length > MAX_CLIENT_NAME_LENGTH) {
      throw new InvalidClientMetadataError(`client_name is longer than ${MAX_CLIENT_NAME_LENGTH} characters`);
    }
    const { client_secret: _secret, client_secret_expires_at: _expires, ...rest } = client;
    const registered: OAuthClientInformationFull = {
      ...rest,
      client_id: crypto.randomUUID(),
      client_id_issued_at: Math.floor(this.#now() / 1000),
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    };
    await this.#locked(async () => {
      await this.#pruneRegistrations();
      await this.#store.saveClient({ client: registered, registeredAt: new Date(this.#now()).toISOString() });
    });
    this.#context.audit?.({
      type: 'oauth-client-registered',
      clientId: registered.client_id,
      clientName: registered.client_name ?? null,
      redirectUris: uris,
    });
    return registered;
  }

  async #pruneRegistrations(): Promise<void> {
    const granted = new Set((await this.#store.listGrants()).map((g) => g.clientId));
    const idle = (await this.#store.listClients())
      .filter((r) => !granted.has(r.client.client_id))
      .sort((a, b) => a.registeredAt.localeCompare(b.registeredAt));
    for (const record of idle.slice(0, Math.max(0, idle.length - MAX_UNGRANTED_REGISTRATIONS + 1)))
      await this.#store.deleteClient(record.client.client_id);
  }

  // ---- Authorization endpoint --------------------------------------------------------

  /**
   * Checks the resource, asks the user, and shows the browser a page that waits for the answer.
   * Errors thrown here are redirected to the client by the SDK handler (with `state`).
   * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13#section-4.1.1
   */
  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    const resource = this.#resolveResource(params.resource?.href);
    const waiting = [...this.#signins.values()].filter((s) => s.location === undefined).length;
    if (waiting >= this.#maxPending)
      throw new TemporarilyUnavailableError('Too many sign-in requests are waiting for an answer; try again later');

    const clientName = (client.client_name ?? client.client_id).slice(0, MAX_CLIENT_NAME_LENGTH);
    const offered = resource.server ? [resource.server] : this.#context.servers();
    const { request, outcome } = this.#context.consents.request({
      kind: 'client-signin',
      server: 'airlock',
      clientName,
      message: await this.#consentMessage(client, clientName, params.redirectUri, resource),
      choices: { servers: offered },
      ...(this.#consentTimeoutMs ? { timeoutMs: this.#consentTimeoutMs } : {}),
    });
    const waitId = crypto.randomBytes(16).toString('base64url');
    const signin: PendingSignin = { consentId: request.id, clientName };
    this.#signins.set(waitId, signin);
    void outcome.then((answer) => {
      signin.location = this.#decide(client, params, resource, answer);
      signin.timer = setTimeout(() => this.#signins.delete(waitId), DECIDED_KEEP_MS);
      signin.timer.unref();
    });
    res
      .status(200)
      .set(PAGE_HEADERS)
      .type('html')
      .send(waitingPage({ clientName, waitUrl: `/oauth/wait/${waitId}`, consentId: request.id }));
  }

  /**
   * `/oauth/wait/ID`: the redirect to the client once the user answered (once only), else the
   * waiting page again.
   */
  answerWait(waitId: string, res: Response): void {
    const signin = this.#signins.get(waitId);
    if (!signin) {
      res.status(404).set(PAGE_HEADERS).type('html').send(finishedPage());
      return;
    }
    if (signin.location === undefined) {
      res
        .status(200)
        .set(PAGE_HEADERS)
        .type('html')
        .send(
          waitingPage({ clientName: signin.clientName, waitUrl: `/oauth/wait/${waitId}`, consentId: signin.consentId }),
        );
      return;
    }
    clearTimeout(signin.timer);
    this.#signins.delete(waitId);
    res.set(PAGE_HEADERS).redirect(302, signin.location);
  }

  async #consentMessage(
    client: OAuthClientInformationFull,
    name: string,
    redirectUri: string,
    resource: McpResource,
  ): Promise<string> {
    let origin: string;
    if (isClientMetadataUrl(client.client_id)) {
      origin = `described by a metadata document on ${new URL(client.client_id).host}`;
    } else {
      const record = await this.#store.getClient(client.client_id);
      const age = record ? this.#now() - Date.parse(record.registeredAt) : Infinity;
      origin =
        age < 5 * 60_000 ? 'registered just now' : `registered ${record?.registeredAt.slice(0, 10) ?? 'earlier'}`;
    }
    const endpoint = resource.server
      ? `the server ${resource.server} (${resource.path})`
      : `Airlock (${resource.path}, the servers you choose)`;
    return [
      `${JSON.stringify(name)} (${origin}, redirect ${redirectUri}) wants to use ${endpoint}.`,
      'The name is chosen by the client itself and is not verified.',
      describeRedirect(redirectUri),
    ].join(' ');
  }

  #resolveResource(raw: string | undefined): McpResource {
    const context = { port: this.#context.port(), servers: this.#context.servers() };
    const resource = parseMcpResource(raw ?? resourceFor(context.port, '/mcp'), context);
    if (!resource)
      throw new InvalidTargetError(
        `resource ${quote(raw)} is not one of Airlock's MCP endpoints (${resourceFor(context.port, '/mcp')}[/SERVER])`,
      );
    return resource;
  }

  /** The answer as a redirect to the client: a code, or an error, with `state` echoed. */
  #decide(
    client: OAuthClientInformationFull,
    params: AuthorizationParams,
    resource: McpResource,
    answer: ConsentOutcome,
  ): string {
    const state = params.state;
    if (answer.action !== 'approve') {
      const error = answer.by === 'shutdown' ? 'temporarily_unavailable' : 'access_denied';
      const description =
        answer.action === 'deny'
          ? 'The user declined the sign-in.'
          : answer.by === 'expiry'
            ? 'Nobody answered the sign-in request in time.'
            : 'The sign-in request was cancelled.';
      return withParams(params.redirectUri, { error, error_description: description, state });
    }
    const code = crypto.randomBytes(32).toString('base64url');
    this.#sweep();
    this.#codes.set(hashToken(code), {
      clientId: client.client_id,
      redirectUri: params.redirectUri,
      codeChallenge: params.codeChallenge,
      resource,
      servers: [...(answer.servers ?? [])],
      clientName: (client.client_name ?? client.client_id).slice(0, MAX_CLIENT_NAME_LENGTH),
      clientSource: isClientMetadataUrl(client.client_id) ? 'metadata-document' : 'registered',
      expiresAt: this.#now() + this.#codeTtl,
      attempted: false,
    });
    return withParams(params.redirectUri, { code, state });
  }

  // ---- Token endpoint ----------------------------------------------------------------

  /** Hands the SDK handler the PKCE challenge to verify; a code gets one such look only. */
  async challengeForAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: string): Promise<string> {
    const hash = hashToken(authorizationCode);
    const code = this.#codes.get(hash);
    if (!code) {
      await this.#codeReused(hash);
      throw new InvalidGrantError('The authorization code is invalid, expired or already used');
    }
    if (code.attempted || code.clientId !== client.client_id || code.expiresAt <= this.#now()) {
      this.#codes.delete(hash);
      throw new InvalidGrantError('The authorization code is invalid, expired or already used');
    }
    code.attempted = true;
    return code.codeChallenge;
  }

  /** @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13#section-4.1.3 */
  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    authorizationCode: string,
    _codeVerifier?: string,
    redirectUri?: string,
    resource?: URL,
  ): Promise<OAuthTokens> {
    const hash = hashToken(authorizationCode);
    const code = this.#codes.get(hash);
    this.#codes.delete(hash);
    if (!code || !code.attempted || code.clientId !== client.client_id || code.expiresAt <= this.#now()) {
      throw new InvalidGrantError('The authorization code is invalid, expired or already used');
    }
    // OAuth 2.1 lets the client omit redirect_uri here; when it sends one, it must be the same.
    if (redirectUri !== undefined && redirectUri !== code.redirectUri)
      throw new InvalidGrantError('redirect_uri does not match the authorization request');
    if (resource !== undefined && this.#resolveResource(resource.href).resource !== code.resource.resource) {
      throw new InvalidTargetError('resource does not match the authorization request');
    }
    const now = this.#now();
    const access = randomToken(ACCESS_PREFIX);
    const refresh = randomToken(REFRESH_PREFIX);
    const grant: GrantRecord = {
      id: crypto.randomBytes(16).toString('hex'),
      clientId: code.clientId,
      clientName: code.clientName,
      clientSource: code.clientSource,
      servers: code.servers,
      audience: code.resource.resource,
      redirectUri: code.redirectUri,
      accessHash: hashToken(access),
      accessExpiresAt: now + this.#accessTtl,
      refreshHash: hashToken(refresh),
      refreshExpiresAt: now + this.#refreshTtl,
      previousRefreshHashes: [],
      createdAt: new Date(now).toISOString(),
      refreshedAt: new Date(now).toISOString(),
    };
    await this.#locked(async () => {
      await this.#store.saveGrant(grant);
      this.#index(grant);
    });
    this.#redeemed.set(hash, { grantId: grant.id, until: code.expiresAt + MAX_CODE_TTL_MS });
    this.#context.audit?.({
      type: 'oauth-grant',
      clientId: grant.clientId,
      clientName: grant.clientName,
      servers: grant.servers,
      endpoint: code.resource.path,
    });
    return this.#tokenResponse(access, refresh);
  }

  /**
   * Rotates the refresh token: the old one stops working, and presenting it again revokes the
   * whole grant (it was stolen, or the client lost track).
   * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13#section-4.3.1
   */
  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: string,
    _scopes?: string[],
    resource?: URL,
  ): Promise<OAuthTokens> {
    return this.#locked(async () => {
      const hash = hashToken(refreshToken);
      const current = this.#byRefresh.get(hash);
      if (!current) {
        const reused = this.#byOldRefresh.get(hash);
        if (reused) await this.#revokeGrant(reused, 'refresh-token-reuse');
        throw new InvalidGrantError('The refresh token is invalid, expired or revoked');
      }
      const grant = await this.#store.getGrant(current);
      if (!grant || grant.refreshHash !== hash)
        throw new InvalidGrantError('The refresh token is invalid, expired or revoked');
      if (grant.clientId !== client.client_id) {
        await this.#revokeGrant(grant.id, 'refresh-token-wrong-client');
        throw new InvalidGrantError('The refresh token is invalid, expired or revoked');
      }
      if (grant.refreshExpiresAt <= this.#now()) {
        await this.#revokeGrant(grant.id, 'expired');
        throw new InvalidGrantError('The refresh token is invalid, expired or revoked');
      }
      if (resource !== undefined && this.#resolveResource(resource.href).resource !== grant.audience) {
        throw new InvalidTargetError('resource does not match the one this grant was issued for');
      }
      const now = this.#now();
      const access = randomToken(ACCESS_PREFIX);
      const refresh = randomToken(REFRESH_PREFIX);
      const next: GrantRecord = {
        ...grant,
        accessHash: hashToken(access),
        accessExpiresAt: now + this.#accessTtl,
        refreshHash: hashToken(refresh),
        refreshExpiresAt: now + this.#refreshTtl,
        previousRefreshHashes: [...grant.previousRefreshHashes, grant.refreshHash].slice(-50),
        refreshedAt: new Date(now).toISOString(),
      };
      await this.#store.saveGrant(next);
      this.#unindex(grant);
      this.#index(next);
      return this.#tokenResponse(access, refresh);
    });
  }

  #tokenResponse(access: string, refresh: string): OAuthTokens {
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: Math.floor(this.#accessTtl / 1000),
      refresh_token: refresh,
    };
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const grant = token.startsWith(ACCESS_PREFIX) ? this.#byAccess.get(hashToken(token)) : undefined;
    if (!grant || grant.accessExpiresAt <= this.#now())
      throw new InvalidTokenError('The access token is invalid, expired or revoked');
    return {
      token,
      clientId: grant.clientId,
      scopes: [],
      expiresAt: Math.floor(grant.accessExpiresAt / 1000),
      resource: new URL(grant.audience),
    };
  }

  /**
   * Revokes the grant a token belongs to (access and refresh alike); unknown tokens are ignored.
   * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.2
   */
  async revokeToken(client: OAuthClientInformationFull, request: OAuthTokenRevocationRequest): Promise<void> {
    await this.#locked(async () => {
      const hash = hashToken(request.token);
      const id = this.#byAccess.get(hash)?.id ?? this.#byRefresh.get(hash) ?? this.#byOldRefresh.get(hash);
      if (!id) return;
      const grant = await this.#store.getGrant(id);
      if (grant && grant.clientId === client.client_id) await this.#revokeGrant(id, 'client-revoked-token');
    });
  }

  /** Revokes every grant and the registration of a client (CLI, admin API). Returns the grants removed. */
  async revokeClient(clientId: string): Promise<number> {
    return this.#locked(async () => {
      const removed = await this.#store.revokeClient(clientId);
      await this.#reindex();
      this.#context.audit?.({ type: 'oauth-client-revoked', clientId, grants: removed });
      return removed;
    });
  }

  // ---- Internals -----------------------------------------------------------------------

  async #codeReused(hash: string): Promise<void> {
    const redeemed = this.#redeemed.get(hash);
    // OAuth 2.1 §4.1.3: a code presented twice revokes what it produced.
    if (redeemed && redeemed.until > this.#now())
      await this.#locked(() => this.#revokeGrant(redeemed.grantId, 'authorization-code-reuse'));
  }

  /** Call only inside #locked. */
  async #revokeGrant(id: string, reason: string): Promise<void> {
    const grant = (await this.#store.getGrant(id)) ?? [...this.#byAccess.values()].find((g) => g.id === id);
    await this.#store.deleteGrant(id);
    if (!grant) return;
    this.#unindex(grant);
    this.#context.audit?.({ type: 'oauth-grant-revoked', clientId: grant.clientId, reason });
    this.#emitRevoked([`oauth:${grant.clientId}`]);
  }

  #index(grant: GrantRecord): void {
    this.#byAccess.set(grant.accessHash, grant);
    this.#byRefresh.set(grant.refreshHash, grant.id);
    for (const old of grant.previousRefreshHashes) this.#byOldRefresh.set(old, grant.id);
  }

  #unindex(grant: GrantRecord): void {
    for (const [hash, indexed] of this.#byAccess) if (indexed.id === grant.id) this.#byAccess.delete(hash);
    for (const [hash, id] of this.#byRefresh) if (id === grant.id) this.#byRefresh.delete(hash);
    for (const [hash, id] of this.#byOldRefresh) if (id === grant.id) this.#byOldRefresh.delete(hash);
  }

  /** Rebuilds the index from the vault; clients that lost a grant have their sessions closed. */
  async #reindex(): Promise<void> {
    const before = new Map([...this.#byAccess.values()].map((g) => [g.id, g]));
    const byAccess = new Map<string, GrantRecord>();
    const byRefresh = new Map<string, string>();
    const byOldRefresh = new Map<string, string>();
    const now = this.#now();
    for (const grant of await this.#store.listGrants()) {
      if (grant.refreshExpiresAt <= now) continue;
      byAccess.set(grant.accessHash, grant);
      byRefresh.set(grant.refreshHash, grant.id);
      for (const old of grant.previousRefreshHashes) byOldRefresh.set(old, grant.id);
    }
    this.#byAccess = byAccess;
    this.#byRefresh = byRefresh;
    this.#byOldRefresh = byOldRefresh;
    const live = new Set([...byAccess.values()].map((g) => g.id));
    const revoked = [...before.values()].filter((g) => !live.has(g.id)).map((g) => `oauth:${g.clientId}`);
    if (revoked.length) this.#emitRevoked([...new Set(revoked)]);
  }

  #emitRevoked(ids: string[]): void {
    for (const listener of this.#revokeListeners) {
      try {
        listener(ids);
      } catch (error) {
        this.#context.onError?.(`revoke listener failed: ${describeError(error)}`);
      }
    }
  }

  #sweep(): void {
    const now = this.#now();
    for (const [hash, code] of this.#codes) if (code.expiresAt <= now) this.#codes.delete(hash);
    for (const [hash, redeemed] of this.#redeemed) if (redeemed.until <= now) this.#redeemed.delete(hash);
  }

  /** Grant changes happen one at a time: a refresh token raced against itself is seen as reuse. */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn);
    this.#serial = run.catch(() => undefined);
    return run;
  }
}
