/**
 * Airlock as an OAuth client to everything upstream, assembled for the composition root:
 * the per-server providers and the sign-in coordinator, `${oauth:NAME}` tokens, the loopback
 * callback, the admin routes, and the tool-call interceptor that retries after a sign-in.
 */
import type express from 'express';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { ConsentBroker } from '../consent/consent-broker.ts';
import { isStdioServer, type RemoteServerConfig, type ServerConfig } from '../config/schema.ts';
import type { Gateway } from '../gateway/gateway.ts';
import type { SessionInterceptors } from '../gateway/client-session.ts';
import { describeError } from '../errors.ts';
import type { ReferenceSource } from '../secrets/references.ts';
import type { Vault } from '../vault/vault.ts';
import { CALLBACK_PATH, mountOAuthCallback } from './callback-route.ts';
import { addOAuthRoutes } from './oauth-admin-routes.ts';
import { PendingFlows } from './pending-flows.ts';
import { ProviderTokens } from './provider-tokens.ts';
import { SignInCoordinator } from './signin-coordinator.ts';

export interface AirlockOAuthOptions {
  vault: Vault;
  consents: ConsentBroker;
  /** Tests shorten how long a state stays redeemable. */
  flowLifetimeMs?: number;
}

export interface AirlockOAuth {
  coordinator: SignInCoordinator;
  providers: ProviderTokens;
  flows: PendingFlows;
  authProviderFor(server: string, config: ServerConfig): OAuthClientProvider | undefined;
  oauthToken(provider: string): Promise<string>;
  interceptors(inner?: SessionInterceptors): SessionInterceptors;
  /** For `GatewayOptions.extend`: mounts `/oauth/callback` and the admin routes. */
  extend(app: express.Express, gateway: Gateway): void;
  close(): void;
}

/** A server that sends its own Authorization header (a secret or `${oauth:...}`) is not signed in by MCP Authorization. */
function hasOwnAuthorization(config: RemoteServerConfig): boolean {
  return Object.keys(config.headers ?? {}).some((key) => key.toLowerCase() === 'authorization');
}

export function createAirlockOAuth(options: AirlockOAuthOptions): AirlockOAuth {
  let gateway: Gateway | undefined;
  const { vault, consents } = options;
  const flows = new PendingFlows();
  const redirectUrl = () => {
    if (!gateway) throw new Error('the gateway is not listening yet');
    return `http://127.0.0.1:${gateway.port}${CALLBACK_PATH}`;
  };
  const consentTimeoutMs = () => (gateway?.config().gateway.consentTimeoutMinutes ?? 10) * 60_000;
  const flowLifetimeMs = options.flowLifetimeMs !== undefined ? () => options.flowLifetimeMs! : undefined;
  const audit = (event: { type: string } & Record<string, unknown>) => gateway?.audit.write(event);
  const logger = () => gateway?.logger;
  const providers = new ProviderTokens({
    vault,
    consents,
    flows,
    references: { secret: (name) => vault.get(`secret/${name}`) },
    config: () => {
      if (!gateway) throw new Error('the gateway is not started yet');
      return gateway.config();
    },
    redirectUrl,
    consentTimeoutMs,
    ...(flowLifetimeMs ? { flowLifetimeMs } : {}),
    onTokenChanged: (name) => {
      void gateway?.registry.restartUsing({ providers: [name] }).then((servers) => {
        if (servers.length)
          gateway?.logger.info({ provider: name, servers }, 'restarted servers after a provider token was refreshed');
      });
    },
    audit,
    logger,
  });
  const references: ReferenceSource = {
    secret: (name) => vault.get(`secret/${name}`),
    oauthToken: (name) => providers.token(name),
  };
  const coordinator = new SignInCoordinator({
    vault,
    consents,
    flows,
    references,
    redirectUrl,
    consentTimeoutMs,
    ...(flowLifetimeMs ? { flowLifetimeMs } : {}),
    registry: () => gateway?.registry,
    audit,
    logger,
  });

  return {
    coordinator,
    providers,
    flows,
    authProviderFor(server, config) {
      if (isStdioServer(config) || hasOwnAuthorization(config)) return undefined;
      const current = (): RemoteServerConfig => {
        const latest = gateway?.config().mcpServers[server];
        return latest && !isStdioServer(latest) ? latest : config;
      };
      return coordinator.providerFor(server, current);
    },
    oauthToken: (name) => providers.token(name),
    interceptors: (inner) => coordinator.interceptors(inner),
    extend(app, gw) {
      gateway = gw;
      mountOAuthCallback(app, { flows, expectedHost: () => `127.0.0.1:${gw.port}`, logger });
      addOAuthRoutes(gw.adminRouter, gw, coordinator, providers);
      vault.onChange((names) => {
        void (async () => {
          await coordinator.vaultChanged(names);
          const gone = await providers.vaultChanged(names);
          if (gone.length) await gw.registry.restartUsing({ providers: gone });
        })().catch((error: unknown) =>
          gw.logger.error({ err: describeError(error) }, 'handling an OAuth vault change failed'),
        );
      });
    },
    close() {
      coordinator.close();
      providers.close();
    },
  };
}
