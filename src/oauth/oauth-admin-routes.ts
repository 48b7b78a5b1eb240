import type { Router } from 'express';
import type { Gateway } from '../gateway/gateway.ts';
import { NAME_PATTERN } from '../config/schema.ts';
import { describeError } from '../errors.ts';
import type { ConsentRequest } from '../consent/consent-request.ts';
import type { SignInCoordinator } from './signin-coordinator.ts';
import type { ProviderTokens } from './provider-tokens.ts';

/**
 * `/api/servers/:name/signin` raises the sign-in consent now (instead of at the next call);
 * `/api/servers/:name/logout` and `/api/providers/:name/logout` forget stored tokens.
 */
export function addOAuthRoutes(
  router: Router,
  gateway: Gateway,
  coordinator: SignInCoordinator,
  providers: ProviderTokens,
): void {
  router.post('/servers/:name/signin', async (req, res) => {
    const name = req.params.name;
    const supervisor = gateway.registry.get(name);
    if (!supervisor || !coordinator.has(name)) {
      res
        .status(404)
        .json({ error: 'not_found', error_description: 'no remote server with that name signs in with OAuth' });
      return;
    }
    const consent = await new Promise<ConsentRequest | undefined>((resolve) => {
      coordinator
        .signIn(name, {
          onConsent: resolve,
          ...(coordinator.get(name)?.wantedScope ? { scope: coordinator.get(name)!.wantedScope! } : {}),
        })
        .then(
          () => resolve(undefined),
          (error: unknown) => {
            gateway.logger.warn({ server: name, err: describeError(error) }, 'sign-in did not complete');
            resolve(undefined);
          },
        );
    });
    if (!consent) {
      res.json({ server: name, state: supervisor.state.state });
      return;
    }
    res.status(202).json({ server: name, consent: { id: consent.id, url: consent.url, expiresAt: consent.expiresAt } });
  });

  router.post('/servers/:name/logout', async (req, res) => {
    const name = req.params.name;
    if (!gateway.registry.get(name)) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    const removed = await coordinator.logout(name);
    res.json({ server: name, removed, state: gateway.registry.get(name)?.state.state });
  });

  router.post('/providers/:name/logout', async (req, res) => {
    const name = req.params.name;
    if (!NAME_PATTERN.test(name) || !gateway.config().oauthProviders[name]) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    const removed = await providers.logout(name);
    const restarted = await gateway.registry.restartUsing({ providers: [name] });
    res.json({ provider: name, removed, restarted });
  });
}
