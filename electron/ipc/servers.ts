/**
 * Dashboard IPC: gateway status and upstream servers. Adding or removing a server edits
 * config.json exactly as `airlock server add/remove` does, then reloads the gateway.
 */
import { AirlockError, describeError } from '../../src/errors.ts';
import { gatewayStatus } from '../../src/admin/admin-router.ts';
import type { ServerConfig } from '../../src/config/schema.ts';
import { addServerEntry, removeServerEntry } from '../../src/config/server-entries.ts';
import type { ServerState } from '../../src/upstream/server-state.ts';
import type { AddServerInput, ServerView, StatusView } from '../../renderer/src/api/airlock-api.ts';
import { expectAddServerInput, expectName, expectNoArgs } from './arg-guards.ts';
import { DASHBOARD_CHANNELS } from './channels.ts';
import type { DesktopCore } from './desktop-core.ts';
import type { RegisterHandler } from './handle.ts';

export function toServerView(state: ServerState): ServerView {
  return {
    name: state.name,
    state: state.state,
    ...(state.reason === undefined ? {} : { reason: state.reason }),
    ...(state.transport === undefined ? {} : { transport: state.transport }),
    tools: [...state.tools],
    ...(state.command === undefined ? {} : { command: state.command }),
    ...(state.url === undefined ? {} : { url: state.url }),
  };
}

export function statusView(core: DesktopCore): StatusView {
  const status = gatewayStatus(core.airlock.gateway);
  return {
    version: status.version,
    port: status.port,
    mcpUrl: status.mcpUrl,
    vaultBackend: status.vaultBackend,
    configError: status.configError,
    sessions: status.sessions,
    servers: status.servers.map(toServerView),
    vaultWarning: core.vaultWarning(),
    paused: core.paused(),
  };
}

export function serverEntry(input: AddServerInput): ServerConfig {
  if ('url' in input) {
    return { url: input.url, ...(input.headers ? { headers: input.headers } : {}) } as ServerConfig;
  }
  return { command: input.command, args: input.args, ...(input.env ? { env: input.env } : {}) } as ServerConfig;
}

export function registerServerHandlers(register: RegisterHandler, core: DesktopCore): void {
  const gateway = () => core.airlock.gateway;

  register(DASHBOARD_CHANNELS.status, (args) => {
    expectNoArgs(args);
    return statusView(core);
  });

  register(DASHBOARD_CHANNELS.servers, (args) => {
    expectNoArgs(args);
    return gateway().registry.states().map(toServerView);
  });

  register(DASHBOARD_CHANNELS.addServer, async ([input, ...rest]) => {
    expectNoArgs(rest);
    const server = expectAddServerInput(input);
    const entry = serverEntry(server);
    addServerEntry(gateway().paths.config, server.name, entry);
    await gateway().reload();
  });

  register(DASHBOARD_CHANNELS.removeServer, async ([name, ...rest]) => {
    expectNoArgs(rest);
    const server = expectName(name, 'server name');
    removeServerEntry(gateway().paths.config, server);
    await gateway().reload();
  });

  register(DASHBOARD_CHANNELS.restartServer, async ([name, ...rest]) => {
    expectNoArgs(rest);
    const supervisor = gateway().registry.get(expectName(name, 'server name'));
    if (!supervisor) throw new AirlockError('SERVER_UNKNOWN', 'No server of that name is running.');
    await supervisor.restart();
  });

  register(DASHBOARD_CHANNELS.signIn, async ([name, ...rest]) => {
    expectNoArgs(rest);
    const server = expectName(name, 'server name');
    const { coordinator } = core.airlock.oauth;
    if (!gateway().registry.get(server) || !coordinator.has(server)) {
      throw new AirlockError('SERVER_UNKNOWN', 'No remote server of that name signs in with OAuth.');
    }
    // As POST /api/servers/:name/signin: resolves once the consent is raised (its window opens
    // through the presenter) or the sign-in finished without one.
    const scope = coordinator.get(server)?.wantedScope;
    await new Promise<void>((resolve) => {
      coordinator.signIn(server, { onConsent: () => resolve(), ...(scope ? { scope } : {}) }).then(
        () => resolve(),
        (error: unknown) => {
          gateway().logger.warn({ server, err: describeError(error) }, 'sign-in did not complete');
          resolve();
        },
      );
    });
  });

  register(DASHBOARD_CHANNELS.signOut, async ([name, ...rest]) => {
    expectNoArgs(rest);
    const server = expectName(name, 'server name');
    if (!gateway().registry.get(server)) throw new AirlockError('SERVER_UNKNOWN', 'No server of that name is running.');
    await core.airlock.oauth.coordinator.logout(server);
  });
}
