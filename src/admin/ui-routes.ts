import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { AirlockError, describeError, isAirlockError, quote } from '../errors.ts';
import { nameSchema, serverSchema, type ServerConfig } from '../config/schema.ts';
import { configSnippets, type BridgeCommand } from '../clients/config-snippets.ts';
import type { ConsentBroker } from '../consent/consent-broker.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { addServerEntry, removeServerEntry } from '../config/server-entries.ts';

/** As `airlock secret set` accepts them, and as `${secret:NAME}` can refer to them. */
const SECRET_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_SECRET_BYTES = 64 * 1024;

const stringMap = z.record(z.string(), z.string());
const addServerBody = z.union([
  z.strictObject({ name: nameSchema, url: z.string().min(1).max(4096), headers: stringMap.optional() }),
  z.strictObject({
    name: nameSchema,
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(4096)).max(200).default([]),
    env: stringMap.optional(),
  }),
]);
const addClientBody = z.strictObject({ name: nameSchema, servers: z.array(nameSchema).max(200).optional() });
const setSecretBody = z.strictObject({ value: z.string().min(1).max(MAX_SECRET_BYTES) });

export interface UiRoutesOptions {
  consents: ConsentBroker;
  /** How this installation launches the CLI, for the bridge command in Claude Desktop's snippet. */
  bridge: BridgeCommand;
}

class RouteError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  LITERAL_SECRET: 400,
  SERVER_EXISTS: 409,
  CLIENT_EXISTS: 409,
  SERVER_UNKNOWN: 404,
  CLIENT_UNKNOWN: 404,
  SECRET_UNKNOWN: 404,
};

/** Wraps a handler: domain errors become JSON with a status, never an HTML stack page. */
function route(handler: (req: Request, res: Response) => Promise<void> | void) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      await handler(req, res);
    } catch (error) {
      if (error instanceof RouteError) {
        res.status(error.status).json({ error: error.code, error_description: error.message });
      } else if (isAirlockError(error)) {
        res.status(STATUS_BY_CODE[error.code] ?? 400).json({ error: error.code, error_description: error.message });
      } else {
        throw error;
      }
    }
  };
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  throw new RouteError(400, 'invalid_request', `${where}${issue?.message ?? 'invalid body'}`);
}

function param(req: Request, key: string, pattern: RegExp): string {
  const value = req.params[key];
  if (typeof value !== 'string' || !pattern.test(value)) throw new RouteError(400, 'invalid_request', `invalid ${key}`);
  return value;
}

/**
 * `/api/` routes the dashboard needs beyond the CLI's: adding and removing servers and clients,
 * writing secrets (never reading them), and `GET /events`, a server-sent event stream that says
 * what changed so the UI re-fetches it.
 */
export function addUiRoutes(router: Router, gateway: Gateway, options: UiRoutesOptions): void {
  router.post(
    '/servers',
    route(async (req, res) => {
      const body = parseBody(addServerBody, req.body);
      let entry: ServerConfig;
      if ('url' in body) {
        entry = serverSchema.parse({ url: body.url, ...(body.headers ? { headers: body.headers } : {}) });
      } else {
        entry = serverSchema.parse({ command: body.command, args: body.args, ...(body.env ? { env: body.env } : {}) });
      }
      addServerEntry(gateway.paths.config, body.name, entry);
      await gateway.reload();
      res.status(201).json(gateway.registry.get(body.name)?.state ?? { name: body.name, state: 'starting', tools: [] });
    }),
  );

  router.delete(
    '/servers/:name',
    route(async (req, res) => {
      const name = param(req, 'name', /^[a-z0-9-]{1,32}$/);
      removeServerEntry(gateway.paths.config, name);
      await gateway.reload();
      res.json({ name, removed: true });
    }),
  );

  router.post(
    '/clients',
    route(async (req, res) => {
      const body = parseBody(addClientBody, req.body);
      const known = gateway.config().mcpServers;
      for (const server of body.servers ?? []) {
        if (!known[server]) throw new AirlockError('SERVER_UNKNOWN', `no server named ${quote(server)}`);
      }
      const servers = body.servers ?? '*';
      const { key } = await gateway.clientKeys.add(body.name, servers);
      const snippets = configSnippets({
        clientName: body.name,
        mcpUrl: gateway.mcpUrl,
        key,
        bridge: options.bridge,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json({ name: body.name, key, servers, mcpUrl: gateway.mcpUrl, snippets });
    }),
  );

  router.delete(
    '/clients/:name',
    route(async (req, res) => {
      const name = param(req, 'name', /^[a-z0-9-]{1,32}$/);
      if (!(await gateway.clientKeys.revoke(name))) {
        throw new AirlockError('CLIENT_UNKNOWN', `no client named ${quote(name)}`);
      }
      res.json({ name, revoked: true });
    }),
  );

  router.put(
    '/secrets/:name',
    route(async (req, res) => {
      const name = param(req, 'name', SECRET_NAME);
      const { value } = parseBody(setSecretBody, req.body);
      await gateway.vault.set(`secret/${name}`, value);
      res.json({ name, stored: true });
    }),
  );

  router.delete(
    '/secrets/:name',
    route(async (req, res) => {
      const name = param(req, 'name', SECRET_NAME);
      if (!(await gateway.vault.delete(`secret/${name}`))) {
        throw new AirlockError('SECRET_UNKNOWN', `no secret named ${quote(name)}`);
      }
      res.json({ name, removed: true });
    }),
  );

  router.get('/events', (req, res) => {
    openEventStream(req, res, gateway, options.consents);
  });
}

/** Keeps proxies and idle timers from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;

/**
 * `GET /api/events`: one `data: {"type":...}` line per change. Events carry no data, only what
 * to re-fetch, so nothing sensitive can leak through a stream left open.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
function openEventStream(req: Request, res: Response, gateway: Gateway, consents: ConsentBroker): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const send = (type: string) => {
    try {
      res.write(`data: ${JSON.stringify({ type })}\n\n`);
    } catch (error) {
      gateway.logger.debug({ err: describeError(error) }, 'event stream write failed');
    }
  };
  const onServers = () => send('servers');
  gateway.registry.on('state', onServers);
  gateway.registry.on('added', onServers);
  gateway.registry.on('removed', onServers);
  const unsubscribers = [
    consents.subscribe(() => send('consents')),
    gateway.audit.subscribe(() => send('activity')),
    gateway.vault.onChange((names) => {
      if (names.some((name) => name.startsWith('client/') || name.startsWith('as/'))) send('clients');
      if (names.some((name) => name.startsWith('secret/'))) send('secrets');
    }),
  ];
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const close = () => {
    clearInterval(heartbeat);
    gateway.registry.off('state', onServers);
    gateway.registry.off('added', onServers);
    gateway.registry.off('removed', onServers);
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
  req.on('close', close);
  res.on('close', close);
}
