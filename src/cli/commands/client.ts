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
import { NAME_PATTERN } from '../../config/schema.ts';
import { AuthServerStore } from '../../auth-server/auth-server-store.ts';

const HERE = fileURLToPath(import.meta.url);
const HERE_DIR = path.dirname(HERE);
/**
 * The script clients launch for the stdio bridge: the checkout's `bin/airlock.js` when running from
 * source (src/cli/commands/) or from the bundle that script runs (dist/cli/, scripts/build-cli.js);
 * else this very file: the desktop app ships the CLI as a single bundle that runs itself.
 */
export const BIN_SCRIPT = HERE.endsWith('.ts')
  ? path.resolve(HERE_DIR, '../../../bin/airlock.js')
  : path.basename(HERE_DIR) === 'cli' && path.basename(path.dirname(HERE_DIR)) === 'dist'
    ? path.resolve(HERE_DIR, '../../bin/airlock.js')
    : HERE;

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
            ...snippets.flatMap((s) => [
              '',
              `${s.label} (${s.file}):`,
              JSON.stringify(s.config, null, 2),
              ...(s.note ? [`  ${s.note}`] : []),
            ]),
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
        const keyRows = (await new ClientKeys(vault).list()).map(({ name, servers, createdAt }) => ({
          name,
          kind: 'key' as const,
          servers,
          createdAt,
        }));
        // OAuth clients name themselves: the name is shown quoted and marked as the client's own claim.
        const oauthRows = await new AuthServerStore(vault).summaries();
        const rows = [...keyRows, ...oauthRows];
        print(globals.json, rows, () =>
          rows.length
            ? [
                ...keyRows.map(
                  (c) =>
                    `  ${c.name.padEnd(20)} ${c.kind.padEnd(6)} servers: ${c.servers === '*' ? 'all' : c.servers.join(', ') || 'none'}`,
                ),
                ...oauthRows.map((c) =>
                  [
                    `  ${quote(c.name, 60)} oauth (name as the client registered it, unverified)  id ${quote(c.clientId, 120)}`,
                    `      servers: ${c.servers.join(', ') || 'none'}${c.endpoints.length ? `  endpoints: ${c.endpoints.join(', ')}` : '  (not signed in)'}`,
                    ...c.redirectUris.map((uri) => `      redirect: ${quote(uri, 300)}`),
                  ].join('\n'),
                ),
              ].join('\n')
            : 'No clients.',
        );
      } finally {
        await vault.close();
      }
    });

  client
    .command('revoke')
    .description('revoke a client: its key or OAuth tokens stop working at once, open sessions included')
    .argument('<name>', "key client name, or an OAuth client's registered name or client id")
    .action(async (name: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const paths = cliPaths(globals);
      const vault = await openCliVault(paths);
      try {
        const keyRemoved = NAME_PATTERN.test(name) ? await new ClientKeys(vault).revoke(name) : false;
        const store = new AuthServerStore(vault);
        const oauthClients = await store.find(name);
        for (const client of oauthClients) await store.revokeClient(client.clientId);
        if (!keyRemoved && oauthClients.length === 0)
          throw new AirlockError('CLIENT_UNKNOWN', `no client named ${quote(name)}`);
        await notifyGateway(paths);
        const oauthIds = oauthClients.map((c) => c.clientId);
        print(globals.json, { name, revoked: true, ...(keyRemoved ? { key: true } : {}), oauthClients: oauthIds }, () =>
          [
            ...(keyRemoved ? [`Revoked key client ${name}`] : []),
            ...oauthIds.map((id) => `Revoked OAuth client ${quote(name, 60)} (id ${quote(id, 120)})`),
          ].join('\n'),
        );
      } finally {
        await vault.close();
      }
    });
}
