/**
 * Ready-to-paste MCP client configuration pointing at Airlock. Each client's own shape:
 * Claude Desktop and Cursor use `mcpServers`, VS Code uses `servers` with a `type`, Windsurf
 * uses `serverUrl`. Claude Desktop launches commands, so it gets the stdio bridge, which needs no
 * key: it reaches the gateway over the user-only local socket. Cursor, VS Code and Windsurf get
 * the URL alone and sign in with MCP Authorization; a key goes in only for a key client.
 */
export interface SnippetInput {
  clientName: string;
  mcpUrl: string;
  /** A static key; without one, only the keyless forms are produced. */
  key?: string;
  /** How to launch the bridge: the node binary and the airlock script. */
  bridge: BridgeCommand;
}

/** A command line that runs Airlock's CLI; `stdio --client NAME` is appended for the bridge. */
export interface BridgeCommand {
  command: string;
  args: string[];
}

export type SnippetTarget = 'claude' | 'cursor' | 'vscode' | 'windsurf';

export interface Snippet {
  target: SnippetTarget;
  label: string;
  /** Where the snippet goes. */
  file: string;
  config: Record<string, unknown>;
  note?: string;
}

export function configSnippets(input: SnippetInput): Snippet[] {
  const bridge = { command: input.bridge.command, args: [...input.bridge.args, 'stdio', '--client', input.clientName] };
  const headers = input.key ? { Authorization: `Bearer ${input.key}` } : undefined;
  const keyNote = input.key
    ? 'This entry carries a static key because it was created for a client that cannot sign in with OAuth; keep this file private, and revoke the key with `airlock client revoke` if it leaks.'
    : undefined;
  // Without a key, the HTTP clients sign in with MCP Authorization (Airlock is the OAuth server).
  const signInNote = (label: string) =>
    `${label} signs in to Airlock with OAuth the first time it connects: approve it in the Airlock window (or \`airlock pending\`) and choose its servers. No key in this file.`;
  return [
    {
      target: 'claude',
      label: 'Claude Desktop',
      file: 'claude_desktop_config.json',
      config: { mcpServers: { airlock: bridge } },
      note: 'Claude Desktop launches the Airlock bridge, which reaches the gateway over a socket only you can open: no key in this file.',
    },
    {
      target: 'cursor',
      label: 'Cursor',
      file: '~/.cursor/mcp.json',
      config: { mcpServers: { airlock: { url: input.mcpUrl, ...(headers ? { headers } : {}) } } },
      note: keyNote ?? signInNote('Cursor'),
    },
    {
      target: 'vscode',
      label: 'VS Code',
      file: '.vscode/mcp.json (or the user mcp.json)',
      config: { servers: { airlock: { type: 'http', url: input.mcpUrl, ...(headers ? { headers } : {}) } } },
      note: keyNote ?? signInNote('VS Code'),
    },
    {
      target: 'windsurf',
      label: 'Windsurf',
      file: '~/.codeium/windsurf/mcp_config.json',
      config: { mcpServers: { airlock: { serverUrl: input.mcpUrl, ...(headers ? { headers } : {}) } } },
      note: keyNote ?? signInNote('Windsurf'),
    },
  ];
}

/** How this installation launches `airlock stdio`: absolute paths, so clients need no PATH. */
export function bridgeCommand(binScript: string): BridgeCommand {
  return { command: process.execPath, args: [binScript] };
}
