/**
 * Access tokens for `oauthProviders` entries, the values of `${oauth:NAME}`.
 *
 * These are plain OAuth 2.x servers with configured endpoints (no MCP discovery), so the
 * metadata is built from the config and the SDK's `startAuthorization` (PKCE S256, state),
 * `exchangeAuthorization` and `refreshAuthorization` do the protocol. Tokens live in the
 * vault (`oauth/provider/NAME`) and are handed only to the spawn or request that needs them;
 * they never travel through an MCP client.
 *
 * - First use: the authorization-code flow behind a `provider-signin` consent. A caller inside
 *   a client's tool call waits for it; an unattended one (a server starting or restarting, which
 *   the gateway awaits at start and on reload) fails at once with "sign-in pending" while the
 *   consent stays open, and the servers using the provider restart once the user signed in.
 * - Before expiry: a timer refreshes and restarts the servers that use the provider (their
 *   environment holds the old token); a caller that finds the token expired refreshes itself.
 *   Either way a refresh happens once, however many ask.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13#section-4.1
 */
import {
  exchangeAuthorization,
  refreshAuthorization,
  startAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  AuthorizationServerMetadata,
  OAuthClientInformationMixed,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  InvalidClientError,
  InvalidGrantError,
  UnauthorizedClientError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { Logger } from 'pino';
import { AirlockError, describeError, quote } from '../errors.ts';
import type { AirlockConfig, OAuthProviderConfig } from '../config/schema.ts';
import type { ConsentBroker } from '../consent/consent-broker.ts';
import { resolveTemplate, serverReferences, type ReferenceSource } from '../secrets/references.ts';
import type { Vault } from '../vault/vault.ts';
import type { PendingFlows } from './pending-flows.ts';
import { expiryOf, providerRecordName, readJson, writeJson, type ProviderOAuthRecord } from './oauth-records.ts';
import { oauthCallContext, SignInDeclinedError } from './signin-coordinator.ts';

const REFRESH_MARGIN_MS = 60_000;
/** After the user declined, unattended callers (a server restarting) do not ask again for this long. */
const DECLINE_QUIET_MS = 10 * 60_000;

export interface ProviderTokensOptions {
  vault: Vault;
  consents: ConsentBroker;
  flows: PendingFlows;
  /** Secrets only (a client secret is `${secret:NAME}`). */
  references: Pick<ReferenceSource, 'secret'>;
  config: () => AirlockConfig;
  redirectUrl: () => string;
  consentTimeoutMs: () => number;
  flowLifetimeMs?: () => number;
  /** The token changed while servers may hold the old one: restart them. */
  onTokenChanged?: (provider: string) => void;
  audit?: (event: { type: string } & Record<string, unknown>) => void;
  logger?: () => Logger | undefined;
}

function marginFor(record: ProviderOAuthRecord): number {
  if (record.expiresAt === undefined) return 0;
  return Math.min(REFRESH_MARGIN_MS, Math.max(0, (record.expiresAt - record.obtainedAt) / 4));
}

/** RFC 8414-shaped metadata for a provider that has none: its endpoints, PKCE S256, code flow. */
export function providerMetadata(config: OAuthProviderConfig): AuthorizationServerMetadata {
  return {
    issuer: new URL(config.authorizationUrl).origin,
    authorization_endpoint: config.authorizationUrl,
    token_endpoint: config.tokenUrl,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
  };
}

export class ProviderTokens {
  readonly #options: ProviderTokensOptions;
  readonly #signIns = new Map<string, Promise<string>>();
  readonly #refreshes = new Map<string, Promise<string | undefined>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #declinedAt = new Map<string, number>();
  readonly #known = new Map<string, string>();
  /** Providers an unattended caller was turned away from during the running sign-in. */
  readonly #unattended = new Set<string>();

  constructor(options: ProviderTokensOptions) {
    this.#options = options;
  }

  #config(name: string): OAuthProviderConfig {
    const config = this.#options.config().oauthProviders[name];
    if (!config)
      throw new AirlockError(
        'OAUTH_PROVIDER_UNKNOWN',
        `no OAuth provider named ${quote(name)} in config.json (oauthProviders)`,
      );
    return config;
  }

  async #client(config: OAuthProviderConfig): Promise<OAuthClientInformationMixed> {
    const secret = config.clientSecret
      ? await resolveTemplate(config.clientSecret, {
          ...this.#options.references,
          oauthToken: () => Promise.reject(new Error('no nesting')),
        })
      : undefined;
    return { client_id: config.clientId, ...(secret ? { client_secret: secret } : {}) };
  }

  async #read(name: string): Promise<ProviderOAuthRecord | undefined> {
    const record = await readJson<ProviderOAuthRecord>(this.#options.vault, providerRecordName(name));
    if (record?.access_token) this.#known.set(name, record.access_token);
    return record?.access_token ? record : undefined;
  }

  async #store(name: string, tokens: OAuthTokens, previous?: ProviderOAuthRecord): Promise<ProviderOAuthRecord> {
    const now = Date.now();
    const expiresAt = expiryOf(tokens, now);
    const refresh = tokens.refresh_token ?? previous?.refresh_token;
    const record: ProviderOAuthRecord = {
      access_token: tokens.access_token,
      ...(refresh ? { refresh_token: refresh } : {}),
      ...(tokens.token_type ? { token_type: tokens.token_type } : {}),
      ...(tokens.scope ? { scope: tokens.scope } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      obtainedAt: now,
    };
    this.#known.set(name, record.access_token);
    await writeJson(this.#options.vault, providerRecordName(name), record);
    this.#schedule(name, record);
    return record;
  }

  /** A current access token for the provider; may wait for the user's sign-in. */
  async token(name: string): Promise<string> {
    this.#config(name);
    const record = await this.#read(name);
    if (record && (record.expiresAt === undefined || record.expiresAt - marginFor(record) > Date.now())) {
      if (!this.#timers.has(name)) this.#schedule(name, record);
      return record.access_token;
    }
    if (record?.refresh_token) {
      const refreshed = await this.refresh(name);
      if (refreshed) return refreshed;
    }
    const declined = this.#declinedAt.get(name);
    if (declined !== undefined && Date.now() - declined < DECLINE_QUIET_MS && !oauthCallContext.getStore()) {
      throw new SignInDeclinedError(`provider ${name}`, 'declined a moment ago');
    }
    const signIn = this.signIn(name);
    if (oauthCallContext.getStore()) return signIn;
    this.#unattended.add(name);
    throw new AirlockError(
      'OAUTH_PROVIDER_SIGNIN_PENDING',
      `waiting for sign-in to ${quote(name)}: approve the request in Airlock (\`airlock pending\`)`,
    );
  }

  /** Refreshes once for all callers; resolves with the new token, or undefined (sign-in needed). */
  refresh(name: string): Promise<string | undefined> {
    let running = this.#refreshes.get(name);
    if (!running) {
      running = this.#refreshOnce(name).finally(() => this.#refreshes.delete(name));
      this.#refreshes.set(name, running);
    }
    return running;
  }

  async #refreshOnce(name: string): Promise<string | undefined> {
    const config = this.#config(name);
    const record = await this.#read(name);
    if (!record?.refresh_token) return undefined;
    try {
      const tokens = await refreshAuthorization(new URL(config.tokenUrl).origin, {
        metadata: providerMetadata(config),
        clientInformation: await this.#client(config),
        refreshToken: record.refresh_token,
      });
      return (await this.#store(name, tokens, record)).access_token;
    } catch (error) {
      if (
        error instanceof InvalidGrantError ||
        error instanceof InvalidClientError ||
        error instanceof UnauthorizedClientError
      ) {
        await this.#options.vault.delete(providerRecordName(name));
        this.#known.delete(name);
        this.#options.audit?.({
          type: 'oauth-signed-out',
          target: 'provider',
          provider: name,
          reason: 'refresh token rejected',
        });
        return undefined;
      }
      throw new AirlockError(
        'OAUTH_REFRESH_FAILED',
        `could not refresh the token of provider ${quote(name)}: ${quote(describeError(error), 300)}`,
      );
    }
  }

  /** Runs the authorization-code flow behind a consent; concurrent callers share it. */
  signIn(name: string): Promise<string> {
    let running = this.#signIns.get(name);
    if (!running) {
      running = this.#signInOnce(name).finally(() => this.#signIns.delete(name));
      // Unattended callers do not wait; the outcome is audited in #signInOnce.
      running.catch(() => {});
      this.#signIns.set(name, running);
    }
    return running;
  }

  async #signInOnce(name: string): Promise<string> {
    const config = this.#config(name);
    const metadata = providerMetadata(config);
    const clientInformation = await this.#client(config);
    const redirectUri = this.#options.redirectUrl();
    const timeoutMs = this.#options.consentTimeoutMs();
    let verifier = '';
    const flow = this.#options.flows.create(
      { kind: 'provider', name, displayName: name },
      this.#options.flowLifetimeMs?.() ?? 2 * timeoutMs,
      async (code) => {
        const tokens = await exchangeAuthorization(new URL(config.tokenUrl).origin, {
          metadata,
          clientInformation,
          authorizationCode: code,
          codeVerifier: verifier,
          redirectUri,
        });
        await this.#store(name, tokens);
      },
    );
    const { authorizationUrl, codeVerifier } = await startAuthorization(metadata.issuer, {
      metadata,
      clientInformation,
      redirectUrl: redirectUri,
      state: flow.state,
      ...(config.scopes?.length ? { scope: config.scopes.join(' ') } : {}),
    });
    verifier = codeVerifier;
    for (const [key, value] of Object.entries(config.extraParams ?? {})) {
      if (!authorizationUrl.searchParams.has(key)) authorizationUrl.searchParams.set(key, value);
    }
    const client = oauthCallContext.getStore()?.client;
    const users = Object.entries(this.#options.config().mcpServers)
      .filter(([, server]) => serverReferences(server).some((ref) => ref.kind === 'oauth' && ref.name === name))
      .map(([server]) => server);
    const message =
      `Sign in to ${name}` +
      (users.length ? ` for server${users.length > 1 ? 's' : ''} ${users.join(', ')}` : '') +
      (client ? ` (needed by a call from client ${quote(client, 64)})` : '');
    const consent = this.#options.consents.request({
      kind: 'provider-signin',
      server: name,
      message,
      url: authorizationUrl.href,
      timeoutMs,
    });
    flow.consentId = consent.request.id;
    const audit = (outcome: string, extra: Record<string, unknown> = {}) =>
      this.#options.audit?.({
        type: 'oauth-signin',
        target: 'provider',
        provider: name,
        servers: users,
        ...(client ? { client } : {}),
        consent: consent.request.id,
        outcome,
        ...extra,
      });
    try {
      const outcome = await consent.outcome;
      if (outcome.action !== 'approve')
        throw new SignInDeclinedError(
          `provider ${name}`,
          outcome.by === 'expiry' ? 'the request expired' : outcome.action === 'deny' ? 'declined' : 'cancelled',
        );
      this.#options.flows.approve(flow.state, consent.request.id);
      await flow.done;
    } catch (error) {
      this.#options.flows.cancel(flow.state, error instanceof Error ? error : new Error(String(error)));
      if (error instanceof SignInDeclinedError) this.#declinedAt.set(name, Date.now());
      this.#unattended.delete(name);
      audit(error instanceof SignInDeclinedError ? 'declined' : 'failed', { error: describeError(error) });
      throw error;
    }
    this.#declinedAt.delete(name);
    audit('signed-in');
    if (this.#unattended.delete(name)) setImmediate(() => this.#options.onTokenChanged?.(name));
    this.#options.logger?.()?.info({ provider: name }, 'signed in to provider');
    const record = await this.#read(name);
    if (!record) throw new AirlockError('OAUTH_EXCHANGE_FAILED', `provider ${quote(name)} returned no token`);
    return record.access_token;
  }

  /** Refreshes shortly before expiry, then restarts the servers holding the old token. */
  #schedule(name: string, record: ProviderOAuthRecord): void {
    clearTimeout(this.#timers.get(name));
    this.#timers.delete(name);
    if (record.expiresAt === undefined || !record.refresh_token) return;
    const delay = Math.max(1000, record.expiresAt - marginFor(record) - Date.now());
    const timer = setTimeout(
      () => {
        this.#timers.delete(name);
        this.refresh(name).then(
          (token) => {
            if (token) this.#options.onTokenChanged?.(name);
          },
          (error: unknown) =>
            this.#options
              .logger?.()
              ?.warn({ provider: name, err: describeError(error) }, 'provider token refresh failed'),
        );
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    timer.unref();
    this.#timers.set(name, timer);
  }

  /** Forgets a provider's tokens (logout). Returns whether there were any. */
  async logout(name: string): Promise<boolean> {
    clearTimeout(this.#timers.get(name));
    this.#timers.delete(name);
    this.#known.delete(name);
    return this.#options.vault.delete(providerRecordName(name));
  }

  /** After the vault changed on disk: providers whose tokens vanished (CLI logout). */
  async vaultChanged(names: string[]): Promise<string[]> {
    const gone: string[] = [];
    for (const record of names) {
      if (!record.startsWith('oauth/provider/')) continue;
      const name = record.slice('oauth/provider/'.length);
      if (!this.#known.has(name)) continue;
      if (await this.#read(name)) continue;
      this.#known.delete(name);
      clearTimeout(this.#timers.get(name));
      this.#timers.delete(name);
      gone.push(name);
    }
    return gone;
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
