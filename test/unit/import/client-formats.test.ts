import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientConfigCandidates, locateClientConfig, serversKeyPath } from '../../../src/import/client-formats.ts';

const none = () => false;

test('Claude Desktop config location per OS', () => {
  assert.equal(
    locateClientConfig('claude', { platform: 'darwin', env: {}, home: '/Users/alice', exists: none }),
    '/Users/alice/Library/Application Support/Claude/claude_desktop_config.json',
  );
  assert.equal(
    locateClientConfig('claude', {
      platform: 'win32',
      env: { APPDATA: 'C:\\Users\\alice\\AppData\\Roaming' },
      home: 'C:\\Users\\alice',
      exists: none,
    }),
    'C:\\Users\\alice\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
  );
  assert.equal(
    locateClientConfig('claude', { platform: 'linux', env: {}, home: '/home/alice', exists: none }),
    '/home/alice/.config/Claude/claude_desktop_config.json',
  );
});

test('Cursor and Windsurf live under the home directory', () => {
  const opts = { platform: 'linux' as const, env: {}, home: '/home/alice', exists: none };
  assert.equal(locateClientConfig('cursor', opts), '/home/alice/.cursor/mcp.json');
  assert.equal(locateClientConfig('windsurf', opts), '/home/alice/.codeium/windsurf/mcp_config.json');
  assert.equal(
    locateClientConfig('windsurf', { platform: 'win32', env: {}, home: 'C:\\Users\\alice', exists: none }),
    'C:\\Users\\alice\\.codeium\\windsurf\\mcp_config.json',
  );
});

test('VS Code prefers the user mcp.json and falls back to settings.json when only that exists', () => {
  const base = { platform: 'darwin' as const, env: {}, home: '/Users/alice' };
  const dir = '/Users/alice/Library/Application Support/Code/User';
  assert.deepEqual(clientConfigCandidates('vscode', base), [`${dir}/mcp.json`, `${dir}/settings.json`]);
  assert.equal(locateClientConfig('vscode', { ...base, exists: none }), `${dir}/mcp.json`);
  assert.equal(
    locateClientConfig('vscode', { ...base, exists: (f) => f.endsWith('settings.json') }),
    `${dir}/settings.json`,
  );
  assert.equal(
    locateClientConfig('vscode', { platform: 'linux', env: { XDG_CONFIG_HOME: '/xdg' }, home: '/h', exists: none }),
    '/xdg/Code/User/mcp.json',
  );
});

test('the servers key depends on the client and, for VS Code, on the file', () => {
  assert.deepEqual(serversKeyPath('cursor', 'mcp.json', {}), ['mcpServers']);
  assert.deepEqual(serversKeyPath('vscode', 'mcp.json', { servers: {} }), ['servers']);
  assert.deepEqual(serversKeyPath('vscode', 'settings.json', { mcp: { servers: {} } }), ['mcp', 'servers']);
  assert.deepEqual(serversKeyPath('vscode', 'settings.json', { 'mcp.servers': {} }), ['mcp.servers']);
  assert.deepEqual(serversKeyPath('vscode', '/x/settings.json', {}), ['mcp', 'servers']);
  assert.deepEqual(serversKeyPath('vscode', '/x/.vscode/mcp.json', {}), ['servers']);
});
