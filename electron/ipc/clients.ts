/** Dashboard IPC: MCP clients. Keys are created as `airlock client add` does, shown once. */
import { AirlockError, quote } from '../../src/errors.ts';
import { configSnippets } from '../../src/clients/config-snippets.ts';
import type { ClientView, NewClientView, SnippetView } from '../../renderer/src/api/airlock-api.ts';
import { expectAddClientInput, expectName, expectNoArgs } from './arg-guards.ts';
import { DASHBOARD_CHANNELS } from './channels.ts';
import type { DesktopCore } from './desktop-core.ts';
import type { RegisterHandler } from './handle.ts';

export function registerClientHandlers(register: RegisterHandler, core: DesktopCore): void {
  const gateway = () => core.airlock.gateway;

  register(DASHBOARD_CHANNELS.clients, async (args): Promise<ClientView[]> => {
    expectNoArgs(args);
    const keys = await gateway().clientKeys.list();
    return keys.map(({ name, servers, createdAt }) => ({
      name,
      kind: 'key',
      servers: servers === '*' ? '*' : [...servers],
      createdAt,
    }));
  });

  register(DASHBOARD_CHANNELS.addClient, async ([input, ...rest]): Promise<NewClientView> => {
    expectNoArgs(rest);
    const { name, servers } = expectAddClientInput(input);
    const configured = gateway().config().mcpServers;
    for (const server of servers ?? []) {
      if (!configured[server]) throw new AirlockError('SERVER_UNKNOWN', `no server named ${quote(server)}`);
    }
    const { key } = await gateway().clientKeys.add(name, servers ?? '*');
    const mcpUrl = gateway().mcpUrl;
    const snippets = configSnippets({ clientName: name, mcpUrl, key, bridge: core.bridgeCommand() });
    return { name, key, servers: servers ?? '*', mcpUrl, snippets: snippets as SnippetView[] };
  });

  register(DASHBOARD_CHANNELS.revokeClient, async ([name, ...rest]) => {
    expectNoArgs(rest);
    const client = expectName(name, 'client name');
    if (!(await gateway().clientKeys.revoke(client))) {
      throw new AirlockError('CLIENT_UNKNOWN', `no client named ${quote(client)}`);
    }
  });
}
