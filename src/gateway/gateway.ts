import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import crypto from 'node:crypto';
import express from 'express';
import type { Logger } from 'pino';
import { AirlockError, describeError, quote } from '../errors.ts';
import { readConfig, ConfigError } from '../config/config-store.ts';
import type { AirlockConfig } from '../config/schema.ts';
import { NAME_PATTERN } from '../config/schema.ts';
import { dataPaths, ensureDataDir, type DataPaths } from '../config/data-dir.ts';
import type { Vault } from '../vault/vault.ts';
import { Redactor } from '../secrets/redactor.ts';
import { redactionValues } from '../secrets/redaction-values.ts';
import type { ReferenceSource } from '../secrets/references.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { createLogger } from '../log/logger.ts';
import { UpstreamRegistry } from '../upstream/upstream-registry.ts';
import { ClientKeys } from '../clients/client-keys.ts';
import type { ClientAuthenticator, ClientGrant } from '../clients/client-grant.ts';
import { writeFileAtomicSync } from '../util/atomic-write.ts';
import { AIRLOCK_VERSION } from '../version.ts';
import { SessionManager } from './session-manager.ts';
import type { SessionInterceptors, SessionRoute } from './client-session.ts';
import { pathnameOf, routeOf } from './request-path.ts';
import {
  BodyTooLargeError,
  checkHostAndOrigin,
  readBody,
  refuseTooLarge,
  sendJson,
  sendJsonRpcError,
} from './http-guards.ts';
import { createAdminRouter } from '../admin/admin-router.ts';
import { audienceAllowsPath } from '../auth-server/resource-indicator.ts';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { ServerConfig } from '../config/schema.ts';

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface GatewayOptions {
  home: string;
  vault: Vault;
  /** Overrides config.json's port; 0 picks a free one (tests). */
  port?: number;
  /** Listen on the user-only local socket for the stdio bridge (default true). */
  listenSocket?: boolean;
  interceptors?: SessionInterceptors;
  /** Current access token for an `oauthProviders` entry (`${oauth:NAME}`). */
  oauthToken?: (provider: string) => Promise<string>;
  authProviderFor?: (server: string, config: ServerConfig) => OAuthClientProvider | undefined;
  logToStderr?: boolean;
  backoff?: { baseMs: number; maxMs: number };
  /** Mounts more routes (OAuth, UI) on the gateway's express app, before its 404 handler. */
  extend?: (app: express.Express, gateway: Gateway) => void;
  idleSessionTimeoutMs?: number;
  /** How long a call's answer may take and still leave as one JSON body (tests lengthen it). */
  quickAnswerMs?: number;
}

export interface Gateway {
  readonly port: number;
  readonly origin: string;
  readonly mcpUrl: string;
  readonly paths: DataPaths;
  readonly registry: UpstreamRegistry;
  readonly sessions: SessionManager;
  readonly clientKeys: ClientKeys;
  readonly audit: AuditLog;
  readonly redactor: Redactor;
  readonly logger: Logger;
  readonly vault: Vault;
  readonly adminToken: string;
  /** `/api/`: routes added here are behind the admin token (or a UI session). */
  readonly adminRouter: express.Router;
  /** The UI module says which requests carry a valid UI session cookie. */
  setUiSessionCheck(check: (req: express.Request) => boolean): void;
  config(): AirlockConfig;
  configError(): string | undefined;
  addAuthenticator(authenticator: ClientAuthenticator): void;
  /** "Pause gateway": upstream servers stopped, MCP requests answered 503, until resumed. */
  readonly paused: boolean;
  setPaused(paused: boolean): Promise<void>;
  /** Re-reads config.json and the vault (the CLI calls this after it changed them). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function listen(server: http.Server, target: number | string, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE')
        reject(
          new AirlockError(
            'PORT_IN_USE',
            `${typeof target === 'number' ? `port ${target}` : quote(target)} is in use (is Airlock already running?)`,
          ),
        );
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if (typeof target === 'number') server.listen(target, host);
    else server.listen(target);
  });
}

/** Removes a socket file left by a gateway that died, but never one a live gateway answers on. */
async function clearStaleSocket(file: string): Promise<void> {
  if (process.platform === 'win32' || !fs.existsSync(file)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const req = http.request({ socketPath: file, path: '/healthz', timeout: 500 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
  if (alive) throw new AirlockError('ALREADY_RUNNING', 'another Airlock gateway is running on this data directory');
  fs.rmSync(file, { force: true });
}

/**
 * Starts the gateway: loads config.json and the vault, starts the upstream servers, and serves
 * MCP, the admin API and the rest on 127.0.0.1 (and the stdio bridge's local socket).
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const paths = dataPaths(options.home);
  ensureDataDir(paths.home);
  const vault = options.vault;
  const redactor = new Redactor();
  redactor.setValues(await redactionValues(vault));
  const logger = createLogger({
    file: `${paths.logs}/airlock.log`,
    redactor,
    alsoStderr: options.logToStderr ?? false,
  });
  const audit = new AuditLog({ file: paths.audit, redactor });

  let config: AirlockConfig = readConfig(paths.config);
  let configError: string | undefined;

  const references: ReferenceSource = {
    secret: (name) => vault.get(`secret/${name}`),
    oauthToken: async (provider) => {
      if (!options.oauthToken)
        throw new AirlockError('OAUTH_UNAVAILABLE', `no sign-in is available for provider ${quote(provider)}`);
      return options.oauthToken(provider);
    },
  };
  const registry = new UpstreamRegistry({
    references,
    redactor,
    stderrLogFor: (name) => paths.serverLog(name),
    ...(options.authProviderFor ? { authProviderFor: options.authProviderFor } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  registry.on('state', (state) =>
    logger.info({ server: state.name, state: state.state, reason: state.reason }, 'server state'),
  );

  const clientKeys = new ClientKeys(vault);
  await clientKeys.refresh();
  const authenticators: ClientAuthenticator[] = [];
  const sessions = new SessionManager({
    registry,
    redactor,
    audit,
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    ...(options.idleSessionTimeoutMs ? { idleTimeoutMs: options.idleSessionTimeoutMs } : {}),
    ...(options.quickAnswerMs ? { quickAnswerMs: options.quickAnswerMs } : {}),
  });
  const addAuthenticator = (authenticator: ClientAuthenticator) => {
    authenticators.push(authenticator);
    authenticator.onRevoke((ids) => {
      audit.write({ type: 'client-revoked', clients: ids });
      void sessions.closeClients(ids);
    });
  };
  addAuthenticator(clientKeys);

  vault.onChange((names) => {
    void (async () => {
      redactor.setValues(await redactionValues(vault));
      if (names.some((name) => name.startsWith('client/'))) await clientKeys.refresh();
      const secrets = names.filter((name) => name.startsWith('secret/')).map((name) => name.slice('secret/'.length));
      if (secrets.length) {
        const restarted = await registry.restartUsing({ secrets });
        if (restarted.length) logger.info({ servers: restarted }, 'restarted servers after a secret changed');
      }
    })().catch((error: unknown) => logger.error({ err: describeError(error) }, 'vault change handling failed'));
  });

  const port = options.port ?? config.gateway.port;
  const adminToken = crypto.randomBytes(32).toString('base64url');
  const app = express();
  app.disable('x-powered-by');

  let uiSessionCheck: (req: express.Request) => boolean = () => false;
  let boundPort = port;
  const gateway: Gateway = {
    get port() {
      return boundPort;
    },
    get origin() {
      return `http://127.0.0.1:${boundPort}`;
    },
    get mcpUrl() {
      return `http://127.0.0.1:${boundPort}/mcp`;
    },
    paths,
    registry,
    sessions,
    clientKeys,
    audit,
    redactor,
    logger,
    vault,
    adminToken,
    get adminRouter() {
      return adminRouter;
    },
    setUiSessionCheck: (check) => {
      uiSessionCheck = check;
    },
    config: () => config,
    configError: () => configError,
    addAuthenticator,
    get paused() {
      return paused;
    },
    setPaused,
    reload,
    close,
  };

  async function reload(): Promise<void> {
    try {
      config = readConfig(paths.config);
      configError = undefined;
    } catch (error) {
      // A broken file is reported and left as it is; the gateway keeps the last good config.
      configError = error instanceof ConfigError ? error.message : describeError(error);
      logger.error({ err: configError }, 'config.json is invalid; keeping the previous configuration');
    }
    await vault.reload();
    await clientKeys.refresh();
    // While paused the new config is kept, and applied on resume.
    if (!paused) await registry.apply(config.mcpServers);
  }

  let paused = false;
  async function setPaused(value: boolean): Promise<void> {
    if (value === paused) return;
    paused = value;
    audit.write({ type: value ? 'gateway-paused' : 'gateway-resumed' });
    if (value) {
      await Promise.all(sessions.list().map((session) => session.close()));
      await registry.stopAll();
    } else {
      await reload();
    }
  }

  const adminRouter = createAdminRouter(gateway, (req) => uiSessionCheck(req));
  app.use('/api', adminRouter);
  options.extend?.(app, gateway);
  app.use((_req, res) => {
    sendJson(res, 404, { error: 'not_found' });
  });

  function authenticate(token: string | undefined): ClientGrant | undefined {
    if (!token) return undefined;
    for (const authenticator of authenticators) {
      const grant = authenticator.authenticate(token);
      if (grant) return grant;
    }
    return undefined;
  }

  function unauthorized(res: ServerResponse, pathname: string, hadToken: boolean): void {
    const metadata = `${gateway.origin}/.well-known/oauth-protected-resource${pathname.replace(/\/$/, '')}`;
    const challenge = `Bearer resource_metadata="${metadata}"${hadToken ? ', error="invalid_token"' : ''}`;
    sendJsonRpcError(
      res,
      401,
      -32001,
      hadToken ? 'Unauthorized: the token is invalid or revoked' : 'Unauthorized: a bearer token is required',
      {
        'www-authenticate': challenge,
      },
    );
  }

  async function handleMcp(
    req: IncomingMessage,
    res: ServerResponse,
    route: SessionRoute,
    grant: ClientGrant,
  ): Promise<void> {
    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, MAX_BODY_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          refuseTooLarge(req, res, `Request body larger than ${MAX_BODY_BYTES} bytes`);
          return;
        }
        throw error;
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        sendJsonRpcError(res, 400, -32700, 'Parse error: the body is not valid JSON');
        return;
      }
      // An empty batch is an invalid request (JSON-RPC 2.0 §6); the SDK transport would accept it with 202.
      if (Array.isArray(body) && body.length === 0) {
        sendJsonRpcError(res, 400, -32600, 'Invalid Request: the body must be a JSON-RPC message');
        return;
      }
    } else if (req.method !== 'GET' && req.method !== 'DELETE') {
      sendJsonRpcError(res, 405, -32000, 'Method not allowed', { allow: 'GET, POST, DELETE' });
      return;
    }
    await sessions.handle(req, res, route, grant, body);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse, local: boolean): Promise<void> {
    const pathname = pathnameOf(req.url);
    if (!local) {
      const refusal = checkHostAndOrigin(req, boundPort);
      if (refusal) {
        sendJson(res, 403, { error: 'forbidden', error_description: refusal });
        return;
      }
    }
    if (pathname === '/healthz') {
      sendJson(res, 200, { ok: true });
      return;
    }
    const route = routeOf(pathname);
    if (route === 'bad') {
      sendJsonRpcError(res, 404, -32601, 'Unknown server');
      return;
    }
    if (route) {
      if (paused) {
        sendJsonRpcError(res, 503, -32000, 'Airlock is paused; resume it from the tray or the dashboard', {
          'retry-after': '30',
        });
        return;
      }
      let grant: ClientGrant | undefined;
      if (local) grant = await localGrant(req);
      else grant = authenticate(bearer(req));
      // An OAuth access token works only at the endpoint it was issued for (RFC 8707 audience).
      if (grant?.audience !== undefined && !audienceAllowsPath(grant.audience, pathname)) grant = undefined;
      if (!grant) {
        unauthorized(res, pathname, Boolean(bearer(req)));
        return;
      }
      await handleMcp(req, res, route, grant);
      return;
    }
    if (local) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    app(req as express.Request, res as express.Response);
  }

  /**
   * On the user-only socket the operating system has already said who is calling; the bridge
   * names the client, which gets that key client's grant if one exists, else every server.
   */
  async function localGrant(req: IncomingMessage): Promise<ClientGrant | undefined> {
    const token = bearer(req);
    if (token) return authenticate(token);
    const header = req.headers['x-airlock-client'];
    const name = (Array.isArray(header) ? header[0] : header) ?? 'local';
    if (!NAME_PATTERN.test(name)) return undefined;
    const record = (await clientKeys.list()).find((client) => client.name === name);
    return { id: `local:${name}`, name, kind: 'local', servers: record ? record.servers : '*' };
  }

  const handler = (local: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    onRequest(req, res, local).catch((error: unknown) => {
      logger.error({ err: describeError(error) }, 'request failed');
      sendJsonRpcError(res, 500, -32603, 'Internal error');
    });
  };
  const httpServer = http.createServer({ keepAliveTimeout: 65_000 }, handler(false));
  const socketServer = http.createServer(handler(true));
  await listen(httpServer, port, '127.0.0.1');
  const address = httpServer.address();
  boundPort = typeof address === 'object' && address ? address.port : port;

  if (options.listenSocket ?? true) {
    try {
      await clearStaleSocket(paths.socket);
      const previous = process.umask(0o177);
      try {
        await listen(socketServer, paths.socket);
      } finally {
        process.umask(previous);
      }
      if (process.platform !== 'win32') fs.chmodSync(paths.socket, 0o600);
    } catch (error) {
      httpServer.close();
      throw error;
    }
  }

  fs.writeFileSync(paths.adminToken, adminToken, { mode: 0o600 });
  fs.chmodSync(paths.adminToken, 0o600);
  writeFileAtomicSync(
    paths.gatewayInfo,
    JSON.stringify(
      {
        pid: process.pid,
        port: boundPort,
        mcpUrl: gateway.mcpUrl,
        socket: paths.socket,
        startedAt: new Date().toISOString(),
        version: AIRLOCK_VERSION,
      },
      null,
      2,
    ),
    0o600,
  );

  await registry.apply(config.mcpServers);

  let debounce: NodeJS.Timeout | undefined;
  const watcher = fs.watch(paths.home, (_event, file) => {
    if (file !== 'config.json' && file !== 'vault.json') return;
    clearTimeout(debounce);
    debounce = setTimeout(
      () => void reload().catch((error: unknown) => logger.error({ err: describeError(error) }, 'reload failed')),
      50,
    );
  });
  audit.write({ type: 'gateway-start', port: boundPort, version: AIRLOCK_VERSION });
  logger.info({ port: boundPort }, 'gateway started');

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      watcher.close();
      clearTimeout(debounce);
      await sessions.closeAll();
      await registry.stopAll();
      httpServer.closeAllConnections();
      socketServer.closeAllConnections();
      await Promise.all([
        new Promise((r) => httpServer.close(r)),
        (options.listenSocket ?? true) ? new Promise((r) => socketServer.close(r)) : Promise.resolve(),
      ]);
      fs.rmSync(paths.gatewayInfo, { force: true });
      audit.write({ type: 'gateway-stop' });
      await vault.close();
    })();
    return closing;
  }
  return gateway;
}
