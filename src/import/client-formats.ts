import fs from 'node:fs';
import path from 'node:path';
import { isPlainObject } from '../util/plain-object.ts';

/**
 * The MCP clients whose configs `airlock import` understands, where each keeps its config, and
 * which key of that file holds the servers.
 *
 * Sources (checked 2025/2026):
 * - Claude Desktop: macOS `~/Library/Application Support/Claude/claude_desktop_config.json`, Windows
 *   `%APPDATA%\Claude\claude_desktop_config.json` (https://modelcontextprotocol.io/quickstart/user);
 *   Linux builds (unofficial) use `~/.config/Claude/`. Key `mcpServers`.
 * - Cursor: `~/.cursor/mcp.json`, key `mcpServers`, remote servers as `url` (+ `headers`)
 *   (https://docs.cursor.com/context/model-context-protocol).
 * - VS Code: `mcp.json` in the user profile or `.vscode/mcp.json` with top-level `servers` and `inputs`;
 *   older setups use `"mcp": { "servers": ... }` in the user `settings.json`. Entries carry
 *   `type: "stdio" | "http" | "sse"` (https://code.visualstudio.com/docs/copilot/reference/mcp-configuration).
 *   User profile dir: macOS `~/Library/Application Support/Code/User`, Windows `%APPDATA%\Code\User`,
 *   Linux `$XDG_CONFIG_HOME/Code/User` (https://code.visualstudio.com/docs/configure/settings#_settings-file-locations).
 * - Windsurf: `~/.codeium/windsurf/mcp_config.json` (`%USERPROFILE%\.codeium\windsurf\` on Windows),
 *   key `mcpServers`, remote servers as `serverUrl` (or `url`) (https://docs.windsurf.com/windsurf/cascade/mcp).
 */
export const CLIENT_NAMES = ['claude', 'cursor', 'vscode', 'windsurf'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

export const CLIENT_LABELS: Readonly<Record<ClientName, string>> = {
  claude: 'Claude Desktop',
  cursor: 'Cursor',
  vscode: 'VS Code',
  windsurf: 'Windsurf',
};

export function isClientName(value: string): value is ClientName {
  return (CLIENT_NAMES as readonly string[]).includes(value);
}

export interface LocateOptions {
  platform?: NodeJS.Platform;
  env?: Readonly<Record<string, string | undefined>>;
  home?: string;
  /** Injected so the lookup is testable; defaults to `fs.existsSync`. */
  exists?: (file: string) => boolean;
}

/** Where a client's user-level MCP config may live, most specific first. */
export function clientConfigCandidates(client: ClientName, options: LocateOptions = {}): string[] {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const home = options.home ?? env.HOME ?? env.USERPROFILE ?? '';
  // Join with the target OS's separators, so a Windows path can be computed (and tested) anywhere.
  const p = platform === 'win32' ? path.win32 : path.posix;
  const appData = env.APPDATA ?? p.join(home, 'AppData', 'Roaming');
  const xdgConfig = env.XDG_CONFIG_HOME ?? p.join(home, '.config');
  const userConfigDir =
    platform === 'darwin' ? p.join(home, 'Library', 'Application Support') : platform === 'win32' ? appData : xdgConfig;

  switch (client) {
    case 'claude':
      return [p.join(userConfigDir, 'Claude', 'claude_desktop_config.json')];
    case 'cursor':
      return [p.join(home, '.cursor', 'mcp.json')];
    case 'windsurf':
      return [p.join(home, '.codeium', 'windsurf', 'mcp_config.json')];
    case 'vscode': {
      const userDir = p.join(userConfigDir, 'Code', 'User');
      return [p.join(userDir, 'mcp.json'), p.join(userDir, 'settings.json')];
    }
  }
}

/**
 * The config file to import from: the first candidate that exists, else the primary location
 * (so the caller can report "not found" naming the path the user would expect).
 */
export function locateClientConfig(client: ClientName, options: LocateOptions = {}): string {
  const exists = options.exists ?? fs.existsSync;
  const candidates = clientConfigCandidates(client, options);
  // VS Code's settings.json exists for almost everyone; mcp.json (the current format) wins when present.
  return candidates.find((file) => exists(file)) ?? candidates[0]!;
}

/** A JSON path (as jsonc-parser takes it) to the object mapping server names to entries. */
export type ServersKeyPath = readonly string[];

/**
 * Which key holds the servers in this particular file. VS Code has three shapes: `servers` in
 * `mcp.json`, `"mcp": { "servers" }` or the flat `"mcp.servers"` in `settings.json`.
 */
export function serversKeyPath(client: ClientName, file: string, parsed: unknown): ServersKeyPath {
  if (client !== 'vscode') return ['mcpServers'];
  const root = isPlainObject(parsed) ? parsed : {};
  if (isPlainObject(root.servers)) return ['servers'];
  if (isPlainObject(root.mcp) && isPlainObject(root.mcp.servers)) return ['mcp', 'servers'];
  if (isPlainObject(root['mcp.servers'])) return ['mcp.servers'];
  return path.basename(file).toLowerCase() === 'settings.json' ? ['mcp', 'servers'] : ['servers'];
}

/** The server entries of a parsed client config, or `{}` when it has none. */
export function serverEntries(parsed: unknown, keyPath: ServersKeyPath): Record<string, unknown> {
  let node: unknown = parsed;
  for (const key of keyPath) node = isPlainObject(node) ? node[key] : undefined;
  return isPlainObject(node) ? node : {};
}
