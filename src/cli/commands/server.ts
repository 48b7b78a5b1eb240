import type { Command } from 'commander';
import { readConfig } from '../../config/config-store.ts';
import type { ServerConfig } from '../../config/schema.ts';
import { addServerEntry, removeServerEntry } from '../../config/server-entries.ts';
import { cliPaths, print, type GlobalOptions } from '../cli-context.ts';
import { adminRequest, findGateway, notifyGateway } from '../admin-client.ts';
import { collectPair, parseName } from '../cli-parsers.ts';
import { formatServerLine } from './status.ts';
import type { ServerState } from '../../upstream/server-state.ts';

export function registerServer(program: Command): void {
  const server = program.command('server').description('upstream MCP servers');

  server
    .command('add')
    .description('add a remote server (--url) or a stdio server (-- COMMAND [ARGS...])')
    .argument('<name>', 'server name, [a-z0-9-]{1,32}', parseName)
    .argument('[command...]', 'for a stdio server: the command and its arguments, after --')
    .option('--url <url>', 'remote server URL (Streamable HTTP, or legacy SSE)')
    .option(
      '--header <K=V>',
      'HTTP header for a remote server (repeatable); use ${secret:NAME} for secrets',
      collectPair,
    )
    .option(
      '--env <K=V>',
      'environment variable for a stdio server (repeatable); use ${secret:NAME} for secrets',
      collectPair,
    )
    .option('--cwd <dir>', 'working directory for a stdio server')
    .option('--transport <kind>', 'streamable-http or sse (default: try streamable-http, then sse)')
    .option('--replace', 'replace an existing server of that name')
    .action(
      async (
        name: string,
        commandLine: string[],
        options: {
          url?: string;
          header?: Record<string, string>;
          env?: Record<string, string>;
          cwd?: string;
          transport?: string;
          replace?: boolean;
        },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        if (Boolean(options.url) === commandLine.length > 0)
          command.error('give either --url URL or -- COMMAND [ARGS...]', { exitCode: 2 });
        let entry: ServerConfig;
        if (options.url) {
          if (options.env || options.cwd) command.error('--env and --cwd are for stdio servers', { exitCode: 2 });
          if (options.transport && options.transport !== 'streamable-http' && options.transport !== 'sse')
            command.error('--transport must be streamable-http or sse', { exitCode: 2 });
          entry = {
            url: options.url,
            ...(options.header ? { headers: options.header } : {}),
            ...(options.transport ? { transport: options.transport as 'sse' | 'streamable-http' } : {}),
          };
        } else {
          if (options.header || options.transport)
            command.error('--header and --transport are for remote servers', { exitCode: 2 });
          entry = {
            command: commandLine[0]!,
            args: commandLine.slice(1),
            ...(options.env ? { env: options.env } : {}),
            ...(options.cwd ? { cwd: options.cwd } : {}),
          };
        }
        const paths = cliPaths(globals);
        addServerEntry(paths.config, name, entry, {
          ...(options.replace ? { replace: true } : {}),
          existsHint: ' (use --replace)',
        });
        const live = await notifyGateway(paths);
        print(
          globals.json,
          { name, ...entry, applied: live },
          () => `Added server ${name}${live ? '' : ' (the gateway will start it when it runs)'}`,
        );
      },
    );

  server
    .command('list')
    .description('configured servers and their state')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      const config = readConfig(paths.config);
      const states = (await findGateway(paths)) ? await adminRequest<ServerState[]>(paths, 'GET', '/servers') : [];
      const rows = Object.entries(config.mcpServers)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, entry]) => {
          const state = states.find((s) => s.name === name);
          return {
            name,
            state: state?.state ?? 'stopped',
            ...(state?.reason ? { reason: state.reason } : {}),
            tools: state?.tools ?? [],
            ...('command' in entry ? { command: entry.command, args: entry.args } : { url: entry.url }),
          };
        });
      print(globals.json, rows, () => (rows.length ? rows.map(formatServerLine).join('\n') : 'No servers configured.'));
    });

  server
    .command('remove')
    .description('remove a server')
    .argument('<name>', 'server name', parseName)
    .action(async (name: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      removeServerEntry(paths.config, name);
      await notifyGateway(paths);
      print(globals.json, { name, removed: true }, () => `Removed server ${name}`);
    });
}
