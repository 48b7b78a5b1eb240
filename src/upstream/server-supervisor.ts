import { ListToolsResultSchema, type ClientCapabilities, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { describeError } from '../errors.ts';
import { isStdioServer, type ServerConfig } from '../config/schema.ts';
import type { ReferenceSource } from '../secrets/references.ts';
import type { Redactor } from '../secrets/redactor.ts';
import { connectUpstream, NeedsSignInError, type UpstreamHandlers, type UpstreamLink } from './upstream-connection.ts';
import type { ServerState, ServerStateName } from './server-state.ts';

export interface SupervisorOptions {
  name: string;
  config: ServerConfig;
  references: ReferenceSource;
  redactor?: Redactor;
  stderrLog?: string;
  authProvider?: OAuthClientProvider;
  onState?: (state: ServerState) => void;
  /** Backoff before restarting a server that died: base and ceiling in ms. */
  backoff?: { baseMs: number; maxMs: number };
}

/** Lists every page of a paginated list method. */
export async function listAllTools(link: UpstreamLink): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await link.client.request(
      { method: 'tools/list', params: cursor ? { cursor } : {} },
      ListToolsResultSchema,
    );
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

/** How often a listing may ask the user to sign in to a server in the background. */
export const SIGN_IN_NUDGE_MS = 10 * 60_000;

export interface SessionConnectOptions {
  /** Wait for the user's sign-in when the server needs one (tool calls); false for listings. */
  waitForSignIn?: boolean;
  /** The client whose request needs the sign-in: named in the consent. */
  clientName?: string;
  /** After a background sign-in completes (e.g. to tell the client its lists changed). */
  onSignedIn?: () => void;
}

/**
 * Owns one configured upstream server: keeps a monitoring connection open to know its state
 * (restarting it with backoff when it dies), and hands out per-client-session connections,
 * which it closes when the server is removed or restarted.
 */
export class ServerSupervisor {
  readonly name: string;
  config: ServerConfig;
  private readonly options: SupervisorOptions;
  private monitor: UpstreamLink | undefined;
  private readonly sessionLinks = new Set<UpstreamLink>();
  private current: ServerState;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private starting: Promise<void> | undefined;
  private lastNudge = 0;

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.name = options.name;
    this.config = options.config;
    this.current = this.makeState(options.config.disabled ? 'disabled' : 'starting');
  }

  get state(): ServerState {
    return this.current;
  }

  private makeState(state: ServerStateName, reason?: string, tools: string[] = this.current?.tools ?? []): ServerState {
    const config = this.config;
    return {
      name: this.name,
      state,
      ...(reason ? { reason } : {}),
      transport: this.monitor?.transportKind ?? (isStdioServer(config) ? 'stdio' : undefined),
      tools,
      ...(isStdioServer(config) ? { command: [config.command, ...config.args].join(' ') } : { url: config.url }),
      since: new Date().toISOString(),
      restarts: this.current?.restarts ?? 0,
    };
  }

  private setState(state: ServerStateName, reason?: string, tools?: string[]): void {
    // A reason is shown and logged: an error text may carry a resolved URL or header value.
    const safeReason = reason && this.options.redactor ? this.options.redactor.redact(reason) : reason;
    const next = this.makeState(state, safeReason, tools);
    next.restarts = this.current.restarts;
    const changed =
      next.state !== this.current.state ||
      next.reason !== this.current.reason ||
      next.tools.join() !== this.current.tools.join();
    this.current = next;
    if (changed) this.options.onState?.(next);
  }

  /** Starts the monitoring connection (idempotent while one is in progress). */
  start(): Promise<void> {
    if (this.config.disabled || this.stopped) return Promise.resolve();
    this.starting ??= this.startMonitor().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startMonitor(): Promise<void> {
    this.setState('starting');
    try {
      const link = await connectUpstream({
        name: this.name,
        config: this.config,
        references: this.options.references,
        capabilities: {},
        handlers: this.monitorHandlers(),
        ...(this.options.stderrLog ? { stderrLog: this.options.stderrLog } : {}),
        ...(this.options.redactor ? { redactor: this.options.redactor } : {}),
        ...(this.options.authProvider ? { authProvider: this.options.authProvider } : {}),
      });
      if (this.stopped) {
        await link.close();
        return;
      }
      this.monitor = link;
      const tools = link.capabilities.tools ? await listAllTools(link).catch(() => []) : [];
      this.failures = 0;
      this.setState(
        'connected',
        undefined,
        tools.map((tool) => tool.name),
      );
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof NeedsSignInError) {
        this.setState('needs-sign-in', 'sign in to use this server');
        return;
      }
      this.setState('error', describeError(error));
      this.scheduleRestart();
    }
  }

  private monitorHandlers(): UpstreamHandlers {
    return {
      onRequest: async () => {
        throw new Error('no client session is attached to this connection');
      },
      onNotification: (notification) => {
        if (notification.method === 'notifications/tools/list_changed') void this.refreshTools();
      },
      onClose: () => {
        this.monitor = undefined;
        if (this.stopped) return;
        this.setState('error', 'the server stopped');
        this.scheduleRestart();
      },
    };
  }

  private async refreshTools(): Promise<void> {
    const link = this.monitor;
    if (!link) return;
    const tools = await listAllTools(link).catch(() => undefined);
    if (tools)
      this.setState(
        this.current.state,
        this.current.reason,
        tools.map((tool) => tool.name),
      );
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 1000, maxMs: 60_000 };
    const delay = Math.min(maxMs, baseMs * 2 ** this.failures);
    this.failures++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.current.restarts++;
      void this.start();
    }, delay);
    this.restartTimer.unref();
  }

  /** A connection for one client session, with that session's capabilities and handlers. */
  async connectForSession(
    capabilities: ClientCapabilities,
    handlers: UpstreamHandlers,
    options: SessionConnectOptions = {},
  ): Promise<UpstreamLink> {
    // Declared first: a connect that fails closes its client, whose onClose runs before assignment.
    let link!: UpstreamLink;
    // eslint-disable-next-line prefer-const
    link = await this.withSignIn(options, () =>
      connectUpstream({
        name: this.name,
        config: this.config,
        references: this.options.references,
        capabilities,
        handlers: {
          ...handlers,
          onClose: () => {
            this.sessionLinks.delete(link);
            handlers.onClose();
          },
        },
        ...(this.options.stderrLog ? { stderrLog: this.options.stderrLog } : {}),
        ...(this.options.redactor ? { redactor: this.options.redactor } : {}),
        ...(this.options.authProvider ? { authProvider: this.options.authProvider } : {}),
      }),
    ).catch((error: unknown) => {
      if (error instanceof NeedsSignInError) this.setState('needs-sign-in', 'sign in to use this server');
      else if (this.current.state !== 'connected') this.setState('error', describeError(error));
      throw error;
    });
    if (this.stopped) {
      await link.close();
      throw new Error('server removed');
    }
    this.sessionLinks.add(link);
    // Signed in (or never needed to): a later need for sign-in may ask in the background again.
    this.lastNudge = 0;
    if (this.current.state !== 'connected' && !this.monitor) void this.start();
    return link;
  }

  /**
   * A client session's connect that meets "needs sign-in" waits once for the user's sign-in, when
   * the auth provider can run one (`awaitSignIn`, see src/oauth/), then tries again. A listing
   * must not hang on a person: with `waitForSignIn: false` the sign-in is asked for in the
   * background (at most once per SIGN_IN_NUDGE_MS) and the connect fails at once.
   */
  private async withSignIn(
    options: SessionConnectOptions,
    connect: () => Promise<UpstreamLink>,
  ): Promise<UpstreamLink> {
    try {
      return await connect();
    } catch (error) {
      const provider = this.options.authProvider as
        { awaitSignIn?: (options?: { clientName?: string }) => Promise<void> } | undefined;
      if (!(error instanceof NeedsSignInError) || typeof provider?.awaitSignIn !== 'function') throw error;
      this.setState('needs-sign-in', 'sign in to use this server');
      const signIn = () => provider.awaitSignIn!(options.clientName ? { clientName: options.clientName } : {});
      if (options.waitForSignIn === false) {
        if (Date.now() - this.lastNudge > SIGN_IN_NUDGE_MS) {
          this.lastNudge = Date.now();
          signIn().then(
            () => options.onSignedIn?.(),
            () => {},
          );
        }
        throw error;
      }
      await signIn();
      return connect();
    }
  }

  /** Closes every connection and starts again (config or a secret it uses changed). */
  async restart(config: ServerConfig = this.config): Promise<void> {
    await this.closeAll();
    this.config = config;
    this.stopped = false;
    this.failures = 0;
    if (config.disabled) {
      this.setState('disabled');
      return;
    }
    await this.start();
  }

  private async closeAll(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.stopped = true;
    // A connect in progress is waited for, but not forever: an upstream that accepted the
    // connection and then went silent must not hold up a restart or the gateway's shutdown.
    if (this.starting) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.starting.catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 5000);
        }),
      ]);
      clearTimeout(timer);
    }
    const links = [...this.sessionLinks, ...(this.monitor ? [this.monitor] : [])];
    this.sessionLinks.clear();
    this.monitor = undefined;
    await Promise.all(links.map((link) => link.close()));
  }

  async stop(): Promise<void> {
    await this.closeAll();
    this.setState('stopped');
  }
}
