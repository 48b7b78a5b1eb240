/**
 * The SDK's `OAuthClientProvider` for one remote upstream server, backed by the vault.
 *
 * The SDK runs the protocol (RFC 9728 / RFC 8414 discovery, registration, PKCE, RFC 8707
 * `resource`, code exchange); this class only stores what it is handed and decides two things
 * the SDK leaves to the application:
 *
 * - It never opens anything. This provider is *passive*: when a connection meets a 401 the SDK
 *   asks it to redirect, and it only notes the scope that was wanted, so the server shows
 *   "needs sign-in". An *interactive* view (see {@link VaultOAuthProvider.interactive}) is
 *   what the sign-in coordinator runs behind a consent; only that view keeps a code verifier.
 * - It owns refreshing: `tokens()` hands the SDK the access token only (no refresh token), and
 *   refreshes itself, once for any number of concurrent callers, shortly before expiry or when
 *   the server answered 401. A refresh token the AS rejects is deleted (back to sign-in).
 *
 * Client registration order (MCP Authorization, "Client Registration Approaches"): the
 * pre-registered client from config, else dynamic registration (RFC 7591). Client ID Metadata
 * Documents are not used: the client id must be an https URL serving Airlock's metadata, and a
 * desktop gateway on 127.0.0.1 has no such URL, so `clientMetadataUrl` stays unset and the SDK
 * falls back to registration.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */
import {
  refreshAuthorization,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  InvalidClientError,
  InvalidGrantError,
  UnauthorizedClientError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { AirlockError, quote } from '../errors.ts';
import type { RemoteServerConfig } from '../config/schema.ts';
import type { Vault } from '../vault/vault.ts';
import { resolveTemplate, type ReferenceSource } from '../secrets/references.ts';
import {
  clientRecordName,
  expiryOf,
  normalizeIssuer,
  readJson,
  scopeCovers,
  serverRecordName,
  writeJson,
  type ClientOAuthRecord,
  type ServerOAuthRecord,
} from './oauth-records.ts';

/** Refresh this long before the AS says the access token expires (a quarter of a short lifetime). */
export const REFRESH_MARGIN_MS = 60_000;

function refreshMargin(record: ServerOAuthRecord): number {
  if (record.expiresAt === undefined || record.obtainedAt === undefined) return REFRESH_MARGIN_MS;
  return Math.min(REFRESH_MARGIN_MS, Math.max(0, (record.expiresAt - record.obtainedAt) / 4));
}

export interface VaultOAuthProviderOptions {
  server: string;
  /** The server's current config (it may change while the supervisor keeps this provider). */
  config: () => RemoteServerConfig;
  vault: Vault;
  references: ReferenceSource;
  /** `http://127.0.0.1:PORT/oauth/callback` (known once the gateway listens). */
  redirectUrl: () => string;
  /** The stored tokens were found invalid and deleted (the user must sign in again). */
  onSignedOut?: (server: string) => void;
  /** Runs (or joins) the user's sign-in; the supervisor calls it when a session connect meets 401. */
  awaitSignIn?: (server: string, options?: { clientName?: string }) => Promise<void>;
}

/** What the interactive view reports to the coordinator running it. */
export interface InteractiveHooks {
  state: string;
  onAuthorizationUrl(url: URL): void | Promise<void>;
}

export class PkceUnsupportedError extends AirlockError {
  constructor(issuer: string | undefined) {
    super(
      'OAUTH_PKCE_UNSUPPORTED',
      `the authorization server ${quote(issuer ?? 'unknown')} does not advertise PKCE with S256 (code_challenge_methods_supported), so Airlock will not sign in there`,
    );
  }
}

/** `invalid`: the AS refused the refresh token (deleted); `failed`: it could not be asked (kept). */
export type RefreshOutcome = 'ok' | 'invalid' | 'failed';

export class VaultOAuthProvider implements OAuthClientProvider {
  readonly server: string;
  readonly #options: VaultOAuthProviderOptions;
  #refreshing: Promise<RefreshOutcome> | undefined;
  /** The scope a 401/403 asked for that the current tokens do not cover (step-up). */
  #wantedScope: string | undefined;
  /** The last scope the SDK would have requested (WWW-Authenticate, else PRM scopes_supported). */
  #lastScope: string | undefined;
  /** A passive redirect found that a refresh was enough: the next sign-in wait can skip the user. */
  #recovered = false;
  /** The access token this object last read or wrote, to tell an outside logout from its own changes. */
  #knownToken: string | undefined;
  /** Whether the vault held tokens for this server at the last look; undefined before the first. */
  #holdsTokens: boolean | undefined;

  constructor(options: VaultOAuthProviderOptions) {
    this.#options = options;
    this.server = options.server;
  }

  get #config(): RemoteServerConfig {
    return this.#options.config();
  }

  /**
   * Called by the supervisor when a client session's connect met "needs sign-in": resolves once
   * the user signed in (or a refresh was enough), so the connect can be tried again.
   */
  async awaitSignIn(options: { clientName?: string } = {}): Promise<void> {
    if (!this.#options.awaitSignIn)
      throw new AirlockError('UPSTREAM_NEEDS_SIGNIN', `server ${quote(this.server)} needs sign-in`);
    await this.#options.awaitSignIn(this.server, options);
  }

  get recordName(): string {
    return serverRecordName(this.server);
  }

  async serverUrl(): Promise<string> {
    return resolveTemplate(this.#config.url, this.#options.references);
  }

  get redirectUrl(): string {
    return this.#options.redirectUrl();
  }

  get clientMetadata(): OAuthClientMetadata {
    const scopes = this.#config.oauth?.scopes;
    return {
      client_name: 'Airlock',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(scopes?.length ? { scope: scopes.join(' ') } : {}),
    };
  }

  /** The scope a sign-in should ask for now: a pending step-up, else what the server asked last. */
  get wantedScope(): string | undefined {
    return this.#wantedScope ?? this.#lastScope;
  }

  /** The server asked for a scope the current tokens do not cover (a step-up sign-in is due). */
  get stepUpPending(): boolean {
    return this.#wantedScope !== undefined;
  }

  /** True once if a refresh made the last 401 go away (no user needed). */
  takeRecovered(): boolean {
    const recovered = this.#recovered;
    this.#recovered = false;
    return recovered;
  }

  async #record(): Promise<ServerOAuthRecord> {
    const url = await this.serverUrl();
    const stored = await readJson<ServerOAuthRecord>(this.#options.vault, this.recordName);
    // Tokens belong to one resource: a server whose URL changed starts over.
    const record = stored && stored.resource === url ? stored : { resource: url };
    this.#holdsTokens = Boolean(record.tokens);
    return record;
  }

  /**
   * False only when the vault was seen to hold no tokens for this server (the SDK reads them before
   * every request): then no refresh can happen, and nothing can be revoked, during a call.
   */
  get mayHoldTokens(): boolean {
    return this.#holdsTokens !== false;
  }

  async #update(change: (record: ServerOAuthRecord) => void): Promise<void> {
    const record = await this.#record();
    change(record);
    this.#knownToken = record.tokens?.access_token;
    this.#holdsTokens = Boolean(record.tokens);
    await writeJson(this.#options.vault, this.recordName, record);
  }

  /** True when tokens this object knew of are gone and it did not remove them (`airlock logout`). */
  async removedElsewhere(): Promise<boolean> {
    const had = this.#knownToken !== undefined;
    const now = (await this.#record()).tokens?.access_token;
    this.#knownToken = now;
    return had && now === undefined;
  }

  // ---- discovery ----------------------------------------------------------------------------

  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    return (await this.#record()).discovery;
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    await this.#update((record) => {
      record.discovery = state;
    });
  }

  /**
   * MCP clients must verify PKCE support from the AS metadata and refuse without S256.
   * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#authorization-code-protection
   */
  async assertPkceSupported(): Promise<void> {
    const discovery = (await this.#record()).discovery;
    const methods = discovery?.authorizationServerMetadata?.code_challenge_methods_supported;
    if (!Array.isArray(methods) || !methods.includes('S256'))
      throw new PkceUnsupportedError(discovery?.authorizationServerUrl);
  }

  // ---- client registration ------------------------------------------------------------------

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    const preRegistered = this.#config.oauth;
    if (preRegistered) {
      const secret = preRegistered.clientSecret
        ? await resolveTemplate(preRegistered.clientSecret, this.#options.references)
        : undefined;
      return { client_id: preRegistered.clientId, ...(secret ? { client_secret: secret } : {}) };
    }
    const issuer = (await this.#record()).discovery?.authorizationServerUrl;
    if (!issuer) return undefined;
    const stored = await readJson<ClientOAuthRecord>(this.#options.vault, clientRecordName(issuer));
    // A registration names its redirect URI: another port means registering again.
    if (
      !stored ||
      stored.redirectUri !== this.redirectUrl ||
      normalizeIssuer(stored.issuer) !== normalizeIssuer(issuer)
    )
      return undefined;
    return stored.info;
  }

  /**
   * Whether the registered client may ask for `scope`: the SDK registers with the scope of the
   * first sign-in, and an AS may hold the client to it, so a step-up beyond it registers again.
   */
  async registrationCovers(scope: string | undefined): Promise<boolean> {
    if (this.#config.oauth) return true;
    const info = (await this.clientInformation()) as { scope?: string } | undefined;
    return !info?.scope || scopeCovers(info.scope, scope);
  }

  async saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    if (this.#config.oauth) return; // configured, not ours to store
    const issuer = info.issuer ?? (await this.#record()).discovery?.authorizationServerUrl;
    if (!issuer) return;
    const record: ClientOAuthRecord = { issuer, redirectUri: this.redirectUrl, info: { ...info, issuer } };
    await writeJson(this.#options.vault, clientRecordName(issuer), record);
  }

  // ---- tokens -------------------------------------------------------------------------------

  /** What the SDK sends as `Authorization: Bearer`. Refreshes first when the token is about to expire. */
  async tokens(): Promise<OAuthTokens | undefined> {
    let record = await this.#record();
    this.#knownToken = record.tokens?.access_token;
    if (!record.tokens) return undefined;
    if (
      record.expiresAt !== undefined &&
      record.expiresAt - refreshMargin(record) <= Date.now() &&
      record.tokens.refresh_token
    ) {
      const outcome = await this.refresh();
      if (outcome === 'invalid') return undefined;
      record = await this.#record();
      if (!record.tokens) return undefined;
    }
    // The refresh token stays here: the SDK would otherwise refresh on its own, without single-flight.
    const { refresh_token: _refresh, ...sent } = record.tokens;
    return sent;
  }

  async hasTokens(): Promise<boolean> {
    return Boolean((await this.#record()).tokens);
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    await this.#update((record) => {
      const previousRefresh = record.tokens?.refresh_token;
      record.tokens = {
        ...tokens,
        ...(tokens.refresh_token || !previousRefresh ? {} : { refresh_token: previousRefresh }),
      };
      const now = Date.now();
      const expiresAt = expiryOf(tokens, now);
      record.obtainedAt = now;
      if (expiresAt === undefined) delete record.expiresAt;
      else record.expiresAt = expiresAt;
      record.grantedScope = tokens.scope ?? this.#lastScope ?? record.grantedScope;
      delete record.codeVerifier;
    });
    if (this.#wantedScope && scopeCovers((await this.#record()).grantedScope, this.#wantedScope))
      this.#wantedScope = undefined;
  }

  /**
   * Exchanges the refresh token, once however many callers ask at the same time.
   * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13#section-4.3
   */
  refresh(): Promise<RefreshOutcome> {
    this.#refreshing ??= this.#refreshOnce().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<RefreshOutcome> {
    const record = await this.#record();
    const refreshToken = record.tokens?.refresh_token;
    const discovery = record.discovery;
    const clientInformation = await this.clientInformation();
    if (!refreshToken || !discovery || !clientInformation) return 'invalid';
    try {
      const tokens = await refreshAuthorization(discovery.authorizationServerUrl, {
        ...(discovery.authorizationServerMetadata ? { metadata: discovery.authorizationServerMetadata } : {}),
        clientInformation,
        refreshToken,
        resource: discovery.resourceMetadata?.resource ?? record.resource,
      });
      await this.saveTokens({ ...tokens, issuer: record.tokens?.issuer ?? discovery.authorizationServerUrl });
      return 'ok';
    } catch (error) {
      if (
        error instanceof InvalidGrantError ||
        error instanceof InvalidClientError ||
        error instanceof UnauthorizedClientError
      ) {
        await this.invalidateCredentials('tokens');
        this.#options.onSignedOut?.(this.server);
        return 'invalid';
      }
      return 'failed';
    }
  }

  // ---- authorization ------------------------------------------------------------------------

  /** Passive: nothing is kept, so nothing a later callback could redeem. */
  saveCodeVerifier(): void {}

  async codeVerifier(): Promise<string> {
    const verifier = (await this.#record()).codeVerifier;
    if (!verifier) throw new AirlockError('OAUTH_NO_FLOW', 'no sign-in is in progress for this server');
    return verifier;
  }

  /**
   * The passive answer to "the server wants authorization" (a 401 or 403 while connecting or
   * calling): note the scope asked for, and if the tokens cover it and can be refreshed, refresh
   * them (a 401 for a token that merely expired or was dropped needs no user).
   */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    await this.assertPkceSupported();
    const scope = authorizationUrl.searchParams.get('scope') ?? undefined;
    this.#lastScope = scope;
    const record = await this.#record();
    if (record.tokens && !scopeCovers(record.grantedScope, scope)) {
      this.#wantedScope = scope; // step-up: more than was granted
      return;
    }
    if (record.tokens?.refresh_token && (await this.refresh()) === 'ok') this.#recovered = true;
  }

  /** A view of this provider that runs a real authorization, with the coordinator's state. */
  interactive(hooks: InteractiveHooks): OAuthClientProvider {
    const redirectUrl = () => this.redirectUrl;
    const clientMetadata = () => this.clientMetadata;
    return {
      get redirectUrl() {
        return redirectUrl();
      },
      get clientMetadata() {
        return clientMetadata();
      },
      state: () => hooks.state,
      clientInformation: () => this.clientInformation(),
      saveClientInformation: (info) => this.saveClientInformation(info),
      tokens: async () => undefined, // never refresh here: the user asked for a fresh sign-in
      saveTokens: (tokens) => this.saveTokens(tokens),
      saveCodeVerifier: (verifier) =>
        this.#update((record) => {
          record.codeVerifier = verifier;
        }),
      codeVerifier: () => this.codeVerifier(),
      redirectToAuthorization: async (url) => {
        await this.assertPkceSupported();
        this.#lastScope = url.searchParams.get('scope') ?? undefined;
        await hooks.onAuthorizationUrl(url);
      },
      invalidateCredentials: (scope) => this.invalidateCredentials(scope),
      discoveryState: () => this.discoveryState(),
      saveDiscoveryState: (state) => this.saveDiscoveryState(state),
    };
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    const record = await this.#record();
    if ((scope === 'all' || scope === 'client') && !this.#config.oauth && record.discovery?.authorizationServerUrl) {
      await this.#options.vault.delete(clientRecordName(record.discovery.authorizationServerUrl));
    }
    if (scope === 'all') {
      this.#knownToken = undefined;
      await this.#options.vault.delete(this.recordName);
      return;
    }
    await this.#update((next) => {
      if (scope === 'tokens') {
        delete next.tokens;
        delete next.expiresAt;
        delete next.grantedScope;
      }
      if (scope === 'verifier') delete next.codeVerifier;
      if (scope === 'discovery') delete next.discovery;
    });
  }
}
