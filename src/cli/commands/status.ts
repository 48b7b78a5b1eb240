import type { Command } from 'commander';
import { cliPaths, print, type GlobalOptions } from '../cli-context.ts';
import { adminRequest, findGateway } from '../admin-client.ts';
import { readConfig } from '../../config/config-store.ts';
import type { ServerState } from '../../upstream/server-state.ts';

interface Status {
  version: string;
  port: number;
  mcpUrl: string;
  vaultBackend: string;
  configError: string | null;
  sessions: number;
  servers: ServerState[];
}

const LABELS: Record<string, string> = {
  connected: 'connected',
  'needs-sign-in': 'needs sign-in',
  error: 'error',
  starting: 'starting',
  disabled: 'disabled',
  stopped: 'stopped',
};

export function formatServerLine(server: Pick<ServerState, 'name' | 'state' | 'reason' | 'tools'>): string {
  const tools = server.state === 'connected' ? ` (${server.tools.length} tools)` : '';
  const reason = server.reason ? `: ${server.reason}` : '';
  return `  ${server.name.padEnd(20)} ${LABELS[server.state] ?? server.state}${tools}${reason}`;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('is the gateway up, and the state of each server')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      if (!(await findGateway(paths))) {
        const config = readConfig(paths.config);
        const servers = Object.keys(config.mcpServers).sort();
        print(globals.json, { running: false, servers: servers.map((name) => ({ name, state: 'stopped' })) }, () =>
          [
            `Airlock gateway: not running (data: ${paths.home})`,
            ...servers.map((name) => `  ${name.padEnd(20)} stopped`),
          ].join('\n'),
        );
        process.exitCode = 1;
        return;
      }
      const status = await adminRequest<Status>(paths, 'GET', '/status');
      print(globals.json, { running: true, ...status }, () =>
        [
          `Airlock gateway: running on ${status.mcpUrl} (vault: ${status.vaultBackend}, ${status.sessions} open sessions)`,
          ...(status.configError ? [`  config.json problem: ${status.configError}`] : []),
          ...(status.servers.length
            ? status.servers.map(formatServerLine)
            : ['  no servers configured (airlock server add ...)']),
        ].join('\n'),
      );
    });
}
