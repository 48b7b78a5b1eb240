import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { AirlockError, quote } from '../../errors.ts';
import { readConfig } from '../../config/config-store.ts';
import { ClientKeys } from '../../clients/client-keys.ts';
import { bridgeCommand, configSnippets } from '../../clients/config-snippets.ts';
import { cliPaths, openCliVault, print, type GlobalOptions } from '../cli-context.ts';
import { findGateway, notifyGateway } from '../admin-client.ts';
import { parseName, parseServerList } from '../cli-parsers.ts';

export const BIN_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/airlock.js');

export function registerClient(program: Command): void {
  const client = program.command('client').description('MCP clients allowed to use the gateway');

  client
    .command('add')
    .description('create a static client key (for clients without OAuth); prints it once with ready-to-paste config')
    .argument('<name>', 'client name, [a-z0-9-]{1,32}', parseName)
    .option('--servers <a,b>', 'servers this client may use (default: all)', parseServerList)
    .action(async (name: string, options: { servers?: string[] }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      const config = readConfig(paths.config);
      for (const server of options.servers ?? []) {
        if (!config.mcpServers[server]) throw new AirlockError('SERVER_UNKNOWN', `no server named ${quote(server)}`);
      }
      const vault = await openCliVault(paths);
      try {
        const keys = new ClientKeys(vault);
        const { key } = await keys.add(name, options.servers ?? '*');
        await notifyGateway(paths);
        const running = await findGateway(paths);
        const mcpUrl = running?.mcpUrl ?? `http://127.0.0.1:${config.gateway.port}/mcp`;
        const snippets = configSnippets({ clientName: name, mcpUrl, key, bridge: bridgeCommand(BIN_SCRIPT) });
        print(globals.json, { name, key, servers: options.servers ?? '*', mcpUrl, snippets }, () =>
          [
            `Client ${name} created. Its key is shown this once:`,
            '',
            `  ${key}`,
            '',
            `MCP endpoint: ${mcpUrl} (header: Authorization: Bearer <key>)`,
            ...snippets.flatMap((s) => ['', `${s.label} (${s.file}):`, JSON.stringify(s.config, null, 2), ...(s.note ? [`  ${s.note}`] : [])]),
          ].join('\n'),
        );
      } finally {
        await vault.close();
      }
    });

  client
    .command('list')
    .description('clients and the servers they may use')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const vault = await openCliVault(cliPaths(globals));
      try {
        const rows = (await new ClientKeys(vault).list()).map(({ name, servers, createdAt }) => ({ name, kind: 'key', servers, createdAt }));
        print(globals.json, rows, () =>
          rows.length ? rows.map((c) => `  ${c.name.padEnd(20)} ${c.kind.padEnd(6)} servers: ${c.servers === '*' ? 'all' : c.servers.join(', ') || 'none'}`).join('\n') : 'No clients.',
        );
      } finally {
        await vault.close();
      }
    });

  client
    .command('revoke')
    .description('revoke a client: its key stops working at once, open sessions included')
    .argument('<name>', 'client name', parseName)
    .action(async (name: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      const vault = await openCliVault(paths);
      try {
        const removed = await new ClientKeys(vault).revoke(name);
        if (!removed) throw new AirlockError('CLIENT_UNKNOWN', `no client named ${quote(name)}`);
        await notifyGateway(paths);
        print(globals.json, { name, revoked: true }, () => `Revoked client ${name}`);
      } finally {
        await vault.close();
      }
    });
}
