/**
 * Turns "this server needs sign-in" into one consent, one browser sign-in and a retried call.
 *
 * - A client session whose connect meets 401 waits here (through the supervisor's
 *   `awaitSignIn` hook on the provider); a call that meets 401/403 on an open connection waits
 *   here through the tool-call interceptor and is retried once.
 * - Concurrent waiters for one server share one sign-in (one consent). The wait is bounded by
 *   the consent's lifetime and then by the flow's; a denial ends it at once.
 * - The state in the authorization URL is created per sign-in, bound to its consent, and only
 *   accepted at `/oauth/callback` after that consent was approved (see pending-flows.ts).
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#authorization-flow-steps
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#step-up-authorization-flow
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Logger } from 'pino';
import type { Result } from '@modelcontextprotocol/sdk/types.js';
import { AirlockError, describeError, quote } from '../errors.ts';
import type { ConsentBroker } from '../consent/consent-broker.ts';
import type { ConsentRequest } from '../consent/consent-request.ts';
import type { InterceptContext, SessionInterceptors } from '../gateway/client-session.ts';
import type { UpstreamRegistry } from '../upstream/upstream-registry.ts';
import { NeedsSignInError } from '../upstream/upstream-connection.ts';
import type { RemoteServerConfig } from '../config/schema.ts';
import type { ReferenceSource } from '../secrets/references.ts';
import type { Vault } from '../vault/vault.ts';
import type { PendingFlows } from './pending-flows.ts';
import { VaultOAuthProvider } from './vault-oauth-provider.ts';
import { serverRecordName } from './oauth-records.ts';

/** Which client's call is running (set around forwarded tool calls), for consents and the audit. */
export const oauthCallContext = new AsyncLocalStorage<{ client: string; server: string }>();

/** A "needs sign-in" whose sign-in the user declined or let expire (the server keeps needing it). */
export class SignInDeclinedError extends NeedsSignInError {
  constructor(target: string, how: string) {
    super(target);
    this.message = `sign-in to ${quote(target)} was not completed (${how})`;
  }
}

export interface SignInCoordinatorOptions {
  vault: Vault;
  consents: ConsentBroker;
  flows: PendingFlows;
  references: ReferenceSource;
  redirectUrl: () => string;
  consentTimeoutMs: () => number;
  /** How long a state stays redeemable after it was created; default twice the consent timeout. */
  flowLifetimeMs?: () => number;
  registry: () => UpstreamRegistry | undefined;
  audit?: (event: { type: string } & Record<string, unknown>) => void;
  logger?: () => Logger | undefined;
}

export interface SignInOptions {
  scope?: string;
  clientName?: string;
  /** Called once the consent is raised (or joined), e.g. to answer an admin request with its id. */
  onConsent?: (request: ConsentRequest) => void;
}

/**
 * A call may meet a 401 (sign in), then, retried with the new token, a 403 `insufficient_scope`
 * (step up): two sign-ins per call at most, so a server that keeps refusing cannot loop.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-challenge-handling
 */
export const MAX_SIGNINS_PER_CALL = 2;

function isAuthFailure(error: unknown): boolean {
  if (error instanceof UnauthorizedError) return true;
  if (error instanceof StreamableHTTPError || error instanceof SseError)
    return error.code === 401 || error.code === 403;
  return false;
}

export class SignInCoordinator {
  readonly #options: SignInCoordinatorOptions;
  readonly #providers = new Map<string, VaultOAuthProvider>();
  readonly #inflight = new Map<
    string,
    { done: Promise<void>; consent?: ConsentRequest; listeners: ((request: ConsentRequest) => void)[] }
  >();

  constructor(options: SignInCoordinatorOptions) {
    this.#options = options;
  }

  /** The provider for a remote server (one per server, kept across restarts). */
  providerFor(server: string, config: () => RemoteServerConfig): VaultOAuthProvider {
    let provider = this.#providers.get(server);
    if (!provider) {
      provider = new VaultOAuthProvider({
        server,
        config,
        vault: this.#options.vault,
        references: this.#options.references,
        redirectUrl: this.#options.redirectUrl,
        onSignedOut: (name) => this.#signedOut(name),
        awaitSignIn: (name, options) => this.awaitSignIn(name, options),
      });
      this.#providers.set(server, provider);
    }
    return provider;
  }

  has(server: string): boolean {
    return this.#providers.has(server);
  }

  get(server: string): VaultOAuthProvider | undefined {
    return this.#providers.get(server);
  }

  /** A connect or call failed for want of authorization: recover by refresh if that worked, else sign in. */
  async awaitSignIn(server: string, options: SignInOptions = {}): Promise<void> {
    const provider = this.#providers.get(server);
    if (!provider) throw new AirlockError('UPSTREAM_NEEDS_SIGNIN', `server ${quote(server)} needs sign-in`);
    if (provider.takeRecovered()) return;
    const context = oauthCallContext.getStore();
    await this.signIn(server, {
      ...options,
      ...(provider.wantedScope ? { scope: provider.wantedScope } : {}),
      ...((options.clientName ?? context?.client) ? { clientName: options.clientName ?? context?.client } : {}),
    });
  }

  /** Runs the user's sign-in for a server behind one consent; concurrent callers share it. */
  signIn(server: string, options: SignInOptions = {}): Promise<void> {
    const running = this.#inflight.get(server);
    if (running) {
      if (options.onConsent) {
        if (running.consent) options.onConsent(running.consent);
        else running.listeners.push(options.onConsent);
      }
      return running.done;
    }
    const entry: { done: Promise<void>; consent?: ConsentRequest; listeners: ((request: ConsentRequest) => void)[] } = {
      done: Promise.resolve(),
      listeners: options.onConsent ? [options.onConsent] : [],
    };
    entry.done = this.#runSignIn(server, options, (request) => {
      entry.consent = request;
      for (const listener of entry.listeners.splice(0)) listener(request);
    }).finally(() => this.#inflight.delete(server));
    this.#inflight.set(server, entry);
    return entry.done;
  }

  async #runSignIn(server: string, options: SignInOptions, raised: (request: ConsentRequest) => void): Promise<void> {
    const provider = this.#providers.get(server);
    if (!provider) throw new AirlockError('OAUTH_NOT_REMOTE', `server ${quote(server)} does not sign in with OAuth`);
    const serverUrl = await provider.serverUrl();
    const timeoutMs = this.#options.consentTimeoutMs();
    const lifetime = this.#options.flowLifetimeMs?.() ?? 2 * timeoutMs;
    const flow = this.#options.flows.create(
      { kind: 'server', name: server, displayName: server },
      lifetime,
      async (code) => {
        const result = await auth(provider, {
          serverUrl,
          authorizationCode: code,
          ...(await resourceMetadataUrl(provider)),
        });
        if (result !== 'AUTHORIZED')
          throw new AirlockError('OAUTH_EXCHANGE_FAILED', 'the authorization code was not accepted');
      },
    );
    let consent: ReturnType<ConsentBroker['request']> | undefined;
    const stepUp = Boolean(options.scope) && (await provider.hasTokens());
    if (!(await provider.registrationCovers(options.scope))) await provider.invalidateCredentials('client');
    const view = provider.interactive({
      state: flow.state,
      onAuthorizationUrl: (url) => {
        const asked = options.clientName ? ` (needed by a call from client ${quote(options.clientName, 64)})` : '';
        const message = stepUp
          ? `Sign in to ${server} again: it asks for more permissions (${options.scope})${asked}`
          : `Sign in to ${server}${asked}`;
        consent = this.#options.consents.request({
          kind: 'upstream-signin',
          server,
          message,
          url: url.href,
          serverUrl,
          timeoutMs,
        });
        flow.consentId = consent.request.id;
        raised(consent.request);
      },
    });
    const record = (outcome: string, extra: Record<string, unknown> = {}) =>
      this.#options.audit?.({
        type: 'oauth-signin',
        target: 'server',
        server,
        ...(options.clientName ? { client: options.clientName } : {}),
        ...(consent ? { consent: consent.request.id } : {}),
        ...(options.scope ? { scope: options.scope } : {}),
        outcome,
        ...extra,
      });
    try {
      let result;
      try {
        result = await auth(view, {
          serverUrl,
          ...(options.scope ? { scope: options.scope } : {}),
          ...(await resourceMetadataUrl(provider)),
        });
      } catch (error) {
        if (error instanceof AirlockError) throw error;
        throw new AirlockError(
          'OAUTH_SIGNIN_FAILED',
          `sign-in to ${quote(server)} could not start: ${quote(describeError(error), 300)}`,
          { cause: error },
        );
      }
      if (result === 'AUTHORIZED' || !consent) {
        this.#options.flows.cancel(flow.state, new AirlockError('OAUTH_FLOW_UNUSED', 'no sign-in was needed'));
        return;
      }
      const outcome = await consent.outcome;
      if (outcome.action !== 'approve')
        throw new SignInDeclinedError(
          server,
          outcome.by === 'expiry' ? 'the request expired' : outcome.action === 'deny' ? 'declined' : 'cancelled',
        );
      // The URL may still be opened by hand if the browser failed to start: the flow stays open.
      this.#options.flows.approve(flow.state, consent.request.id);
      await flow.done;
      record('signed-in');
      this.#options.logger?.()?.info({ server }, 'signed in to server');
      const supervisor = this.#options.registry()?.get(server);
      if (supervisor && supervisor.state.state !== 'connected') void supervisor.start();
    } catch (error) {
      this.#options.flows.cancel(flow.state, error instanceof Error ? error : new Error(String(error)));
      record(error instanceof SignInDeclinedError ? 'declined' : 'failed', { error: describeError(error) });
      // The user said no (or never answered): show the server as needing sign-in.
      const supervisor = this.#options.registry()?.get(server);
      if (supervisor && supervisor.state.state === 'connected' && !(await provider.hasTokens()))
        void supervisor.restart();
      throw error;
    }
  }

  /** Refresh found the tokens revoked: outside a call, restart so the server shows "needs sign-in". */
  #signedOut(server: string): void {
    this.#options.audit?.({ type: 'oauth-signed-out', target: 'server', server, reason: 'refresh token rejected' });
    if (oauthCallContext.getStore()) return; // the call's retry signs in again
    setImmediate(() => void this.#options.registry()?.get(server)?.restart());
  }

  /** Forgets a server's tokens (logout) and restarts it, so it shows "needs sign-in". */
  async logout(server: string): Promise<boolean> {
    const existed = await this.#options.vault.delete(serverRecordName(server));
    await this.#providers.get(server)?.removedElsewhere();
    await this.#options.registry()?.get(server)?.restart();
    return existed;
  }

  /** After the vault changed on disk (the CLI's `logout`): restart servers whose tokens vanished. */
  async vaultChanged(names: string[]): Promise<void> {
    for (const name of names) {
      if (!name.startsWith('oauth/server/')) continue;
      const server = name.slice('oauth/server/'.length);
      const provider = this.#providers.get(server);
      if (provider && (await provider.removedElsewhere())) await this.#options.registry()?.get(server)?.restart();
    }
  }

  /**
   * Wraps tool calls: a call that meets 401/403 on an open connection (revoked token, step-up
   * `insufficient_scope`) waits for the sign-in and is retried; a retry that meets a step-up
   * demand beyond the scope just granted signs in once more (see MAX_SIGNINS_PER_CALL).
   */
  interceptors(inner?: SessionInterceptors): SessionInterceptors {
    return {
      ...inner,
      toolCall: (ctx, call, signal) =>
        this.#withSignIn(ctx, () => (inner?.toolCall ? inner.toolCall(ctx, call, signal) : call()), signal),
      // Any other request (tools/list, resources/read...) meets sign-in the same way: a server may
      // accept initialize without a token and ask for one only at the first real request.
      request: (ctx, method, call, signal) => {
        const run = () => (inner?.request ? inner.request(ctx, method, call, signal) : call());
        return method === 'tools/call' ? run() : this.#withSignIn(ctx, run, signal);
      },
    };
  }

  async #withSignIn(ctx: InterceptContext, run: () => Promise<Result>, signal: AbortSignal): Promise<Result> {
    const provider = this.#providers.get(ctx.server);
    // A server with no OAuth provider never signs in; one that holds no tokens cannot refresh or be
    // revoked during the call, so its first attempt needs no call context either. Node's promise
    // hooks, which the async context turns on for the whole process, are then never paid for by
    // servers that do not use OAuth.
    if (!provider) return run();
    let failed: { error: unknown } | undefined;
    if (!provider.mayHoldTokens) {
      try {
        return await run();
      } catch (error) {
        if (!isAuthFailure(error) || signal.aborted) throw error;
        failed = { error };
      }
    }
    return oauthCallContext.run({ client: ctx.client.name, server: ctx.server }, async (): Promise<Result> => {
      for (let signIns = 0; ; signIns++) {
        if (!failed) {
          try {
            return await run();
          } catch (error) {
            failed = { error };
          }
        }
        const { error } = failed;
        failed = undefined;
        const current = this.#providers.get(ctx.server);
        if (!isAuthFailure(error) || !current || signal.aborted || signIns >= MAX_SIGNINS_PER_CALL) throw error;
        // After a sign-in, only a demand for more scope than was just granted is worth asking
        // the user again; the same refusal again means another sign-in would not help.
        if (signIns > 0 && !current.stepUpPending) throw error;
        await this.awaitSignIn(ctx.server, { clientName: ctx.client.name });
      }
    });
  }

  close(): void {
    this.#options.flows.close();
  }
}

async function resourceMetadataUrl(provider: VaultOAuthProvider): Promise<{ resourceMetadataUrl?: URL }> {
  const known = (await provider.discoveryState())?.resourceMetadataUrl;
  return known ? { resourceMetadataUrl: new URL(known) } : {};
}
