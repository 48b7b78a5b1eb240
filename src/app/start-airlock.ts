import type { Gateway, GatewayOptions } from '../gateway/gateway.ts';
import { startGateway } from '../gateway/gateway.ts';
import { ConsentBroker } from '../consent/consent-broker.ts';
import { SystemUrlOpener, type UrlOpener } from '../consent/url-opener.ts';
import { addConsentRoutes } from '../admin/consent-routes.ts';
import type { ConsentListener } from '../consent/consent-broker.ts';
import { addUiRoutes } from '../admin/ui-routes.ts';
import { mountUi, type UiServer } from '../ui-server/mount-ui.ts';
import { BIN_SCRIPT } from '../cli/commands/client.ts';
import { bridgeCommand, type BridgeCommand } from '../clients/config-snippets.ts';
import { createElicitationInterceptors, type ElicitationOptions } from '../elicitation/elicitation-interceptors.ts';
import { mountAuthServer } from '../auth-server/auth-server-routes.ts';
import type { AirlockAuthServer, AuthServerOptions } from '../auth-server/airlock-auth-server.ts';
import { createAirlockOAuth, type AirlockOAuth, type AirlockOAuthOptions } from '../oauth/airlock-oauth.ts';
import { settleMemoryAfterStartup } from './settle-memory.ts';

export interface AirlockOptions extends GatewayOptions {
  /** Opens approved URLs; default `$BROWSER` or the OS default browser. */
  urlOpener?: UrlOpener;
  /** Presenters that show consent requests (the desktop app's native windows); the web UI and CLI are always there. */
  consentPresenters?: ConsentListener[];
  /** URL/form elicitation timeouts (tests shorten them); used when `interceptors` is not given. */
  elicitation?: Pick<ElicitationOptions, 'consentTimeoutMs' | 'completionTimeoutMs'>;
  /** Airlock's own authorization server (token lifetimes etc.; tests shorten them). */
  authServer?: AuthServerOptions;
  /** Upstream OAuth (sign-in flows; tests shorten how long a state stays redeemable). */
  oauth?: Pick<AirlockOAuthOptions, 'flowLifetimeMs'>;
  /** The built renderer served at `/ui/`; default `dist-renderer/` of this checkout (the packaged app has its own). */
  uiDistDir?: string;
  /**
   * How clients that only launch commands (Claude Desktop) start the CLI for `airlock stdio`;
   * default this checkout's `bin/airlock.js` under the running Node.
   */
  bridge?: BridgeCommand;
}

export interface Airlock {
  gateway: Gateway;
  consents: ConsentBroker;
  /** The authorization server MCP clients sign in with (MCP Authorization). */
  authServer: AirlockAuthServer;
  /** Airlock as an OAuth client upstream: sign-in coordinator, provider tokens. */
  oauth: AirlockOAuth;
  /** A one-time sign-in link for the headless dashboard at `/ui/` (10 minutes, single use). */
  createUiLink(): string;
  close(): Promise<void>;
}

/**
 * The composition root shared by `airlock serve` and the desktop app: the gateway with
 * everything plugged into it. The desktop app passes its own implementations of the core
 * interfaces (the secret cipher inside the vault, consent presenters, the URL opener).
 */
export async function startAirlock(options: AirlockOptions): Promise<Airlock> {
  let gatewayRef: Gateway | undefined;
  let ui: UiServer | undefined;
  let authServer: AirlockAuthServer | undefined;
  const consents = new ConsentBroker({
    urlOpener: options.urlOpener ?? new SystemUrlOpener(),
    audit: (event) => gatewayRef?.audit.write(event as { type: string }),
  });
  for (const presenter of options.consentPresenters ?? []) consents.subscribe(presenter);
  const elicitation = createElicitationInterceptors({
    broker: consents,
    ...options.elicitation,
    audit: (event) => gatewayRef?.audit.write(event as { type: string }),
    serverUrl: (name) => {
      const server = gatewayRef?.config().mcpServers[name];
      return server && 'url' in server && !server.url.includes('${') ? server.url : undefined;
    },
  });
  const oauth = createAirlockOAuth({ vault: options.vault, consents, ...options.oauth });
  const gateway = await startGateway({
    ...options,
    authProviderFor: options.authProviderFor ?? oauth.authProviderFor,
    oauthToken: options.oauthToken ?? oauth.oauthToken,
    interceptors: oauth.interceptors(options.interceptors ?? elicitation),
    extend: (app, gw) => {
      gatewayRef = gw;
      addConsentRoutes(gw.adminRouter, consents);
      addUiRoutes(gw.adminRouter, gw, { consents, bridge: options.bridge ?? bridgeCommand(BIN_SCRIPT) });
      ui = mountUi(app, gw, { distDir: options.uiDistDir });
      authServer = mountAuthServer(app, gw, { ...options.authServer, consents });
      gw.addAuthenticator(authServer);
      oauth.extend(app, gw);
      options.extend?.(app, gw);
    },
  });
  await authServer!.ready;
  const settle = settleMemoryAfterStartup(gateway.registry);
  return {
    gateway,
    consents,
    authServer: authServer!,
    oauth,
    createUiLink: () => ui!.createUiLink(),
    close: async () => {
      settle.cancel();
      consents.close();
      oauth.close();
      authServer?.close();
      await gateway.close();
    },
  };
}
