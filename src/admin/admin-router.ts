import express, { type Router } from 'express';
import { AIRLOCK_VERSION } from '../version.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { requireAdmin } from './admin-auth.ts';

/** The state a status display needs, in one object (CLI `status`, tray, dashboard). */
export function gatewayStatus(gateway: Gateway) {
  return {
    ok: true,
    version: AIRLOCK_VERSION,
    pid: process.pid,
    port: gateway.port,
    mcpUrl: gateway.mcpUrl,
    vaultBackend: gateway.vault.backend,
    configError: gateway.configError() ?? null,
    sessions: gateway.sessions.size,
    paused: gateway.paused,
    servers: gateway.registry.states(),
  };
}

/**
 * `/api/`: the admin API used by the CLI and the UI. Everything here needs the admin token.
 * Routes for more domains (consents, OAuth, UI sessions) are added by their own modules.
 */
export function createAdminRouter(gateway: Gateway, isUiSession?: (req: express.Request) => boolean): Router {
  const router = express.Router();
  router.use(requireAdmin(gateway.adminToken, isUiSession));
  router.use(express.json({ limit: '256kb' }));

  router.get('/status', (_req, res) => {
    res.json(gatewayStatus(gateway));
  });

  router.post('/reload', async (_req, res) => {
    await gateway.reload();
    res.json(gatewayStatus(gateway));
  });

  router.post('/pause', async (req, res) => {
    const paused: unknown = req.body?.paused;
    if (typeof paused !== 'boolean') {
      res.status(400).json({ error: 'invalid_request', error_description: 'body must be {"paused": true|false}' });
      return;
    }
    await gateway.setPaused(paused);
    res.json(gatewayStatus(gateway));
  });

  router.get('/servers', (_req, res) => {
    res.json(gateway.registry.states());
  });

  router.post('/servers/:name/restart', async (req, res) => {
    const supervisor = gateway.registry.get(req.params.name);
    if (!supervisor) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    await supervisor.restart();
    res.json(supervisor.state);
  });

  router.get('/clients', async (_req, res) => {
    const keys = await gateway.clientKeys.list();
    res.json(keys.map(({ name, servers, createdAt }) => ({ name, kind: 'key', servers, createdAt })));
  });

  router.get('/secrets', async (_req, res) => {
    const records = await gateway.vault.list('secret/');
    res.json(records.map((record) => ({ name: record.name.slice('secret/'.length), updatedAt: record.updatedAt })));
  });

  router.get('/activity', (req, res) => {
    const limit = Math.min(5000, Math.max(1, Number(req.query.limit) || 500));
    res.json(gateway.audit.tail(limit));
  });

  return router;
}
