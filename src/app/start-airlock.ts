import type { Gateway, GatewayOptions } from '../gateway/gateway.ts';
import { startGateway } from '../gateway/gateway.ts';
import { ConsentBroker } from '../consent/consent-broker.ts';
import { SystemUrlOpener, type UrlOpener } from '../consent/url-opener.ts';
import { addConsentRoutes } from '../admin/consent-routes.ts';
import type { ConsentListener } from '../consent/consent-broker.ts';
import { addUiRoutes } from '../admin/ui-routes.ts';
import { mountUi, type UiServer } from '../ui-server/mount-ui.ts';
import { BIN_SCRIPT } from '../cli/commands/client.ts';

export interface AirlockOptions extends GatewayOptions {
  /** Opens approved URLs; default `$BROWSER` or the OS default browser. */
  urlOpener?: UrlOpener;
  /** Presenters that show consent requests (the desktop app's native windows); the web UI and CLI are always there. */
  consentPresenters?: ConsentListener[];
}

export interface Airlock {
  gateway: Gateway;
  consents: ConsentBroker;
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
  const consents = new ConsentBroker({
    urlOpener: options.urlOpener ?? new SystemUrlOpener(),
    audit: (event) => gatewayRef?.audit.write(event as { type: string }),
  });
  for (const presenter of options.consentPresenters ?? []) consents.subscribe(presenter);
  const gateway = await startGateway({
    ...options,
    extend: (app, gw) => {
      gatewayRef = gw;
      addConsentRoutes(gw.adminRouter, consents);
      addUiRoutes(gw.adminRouter, gw, { consents, binScript: BIN_SCRIPT });
      ui = mountUi(app, gw);
      options.extend?.(app, gw);
    },
  });
  return {
    gateway,
    consents,
    createUiLink: () => ui!.createUiLink(),
    close: async () => {
      consents.close();
      await gateway.close();
    },
  };
}
