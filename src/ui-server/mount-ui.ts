import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Gateway } from '../gateway/gateway.ts';
import { UiSessions } from './ui-sessions.ts';
import { setUiHeaders } from './ui-headers.ts';

/**
 * Where `npm run build:renderer` puts the UI. This module runs from src/ui-server/ or from a chunk of
 * the CLI bundle in dist/cli/ (scripts/build-cli.js): both two levels below the checkout.
 */
export const DIST_RENDERER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist-renderer');

/** Header the UI's own fetches carry on writes: a cross-site form or image cannot set it. */
export const UI_REQUEST_HEADER = 'x-airlock-ui';

export interface UiServer {
  /** A one-time sign-in link for the browser (`http://127.0.0.1:PORT/ui/?login=...`), valid 10 minutes. */
  createUiLink(): string;
  readonly sessions: UiSessions;
}

export interface MountUiOptions {
  /** The built renderer; default `dist-renderer/` of this checkout. */
  distDir?: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Serves the headless UI at `/ui/` and lets its session cookie through `/api/`.
 * Call from `GatewayOptions.extend`.
 */
export function mountUi(app: express.Express, gateway: Gateway, options: MountUiOptions = {}): UiServer {
  const distDir = options.distDir ?? DIST_RENDERER;
  const sessions = new UiSessions({ port: () => gateway.port });

  gateway.setUiSessionCheck((req) => {
    if (!sessions.isSession(req)) return false;
    // SameSite=Strict still sends the cookie from other ports of 127.0.0.1 (same site): writes
    // also need a header that only a same-origin script (or a CORS preflight we never grant) sets.
    return SAFE_METHODS.has(req.method) || req.headers[UI_REQUEST_HEADER] === '1';
  });

  const router = express.Router();
  router.use((_req, res, next) => {
    setUiHeaders(res);
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.get('/', (req, res, next) => {
    const login = req.query.login;
    if (login === undefined) {
      next();
      return;
    }
    const session = typeof login === 'string' ? sessions.redeem(login) : undefined;
    if (!session) {
      res
        .status(403)
        .type('text/plain')
        .send(
          'This Airlock sign-in link was already used or has expired.\n' +
            'Restart `airlock serve` (or ask the running desktop app) for a new link.\n',
        );
      return;
    }
    res.setHeader('Set-Cookie', sessions.cookieFor(session));
    // Off the URL at once: it is in the address bar and history otherwise.
    res.redirect(303, '/ui/');
  });

  router.use((_req, res, next) => {
    if (fs.existsSync(path.join(distDir, 'index.html'))) {
      next();
      return;
    }
    res.status(503).type('text/plain').send('The Airlock UI is not built: run `npm run build:renderer`.\n');
  });
  router.use(
    express.static(distDir, {
      index: 'index.html',
      redirect: false,
      dotfiles: 'deny',
      fallthrough: true,
      cacheControl: false,
    }),
  );
  router.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found\n');
  });

  app.get('/ui', (req, res, next) => {
    // Express matches `/ui/` here too (non-strict routing): only the bare path is redirected.
    if (new URL(req.originalUrl, 'http://127.0.0.1').pathname !== '/ui') {
      next();
      return;
    }
    res.redirect(301, '/ui/');
  });
  app.use('/ui', router);

  return {
    sessions,
    createUiLink: () => `${gateway.origin}/ui/?login=${sessions.createLoginToken()}`,
  };
}
