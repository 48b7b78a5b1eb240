import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientName } from '../../../src/import/client-formats.ts';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/client-configs/', import.meta.url));

/** Every planted secret in the fixtures contains this. */
export const CANARY = /CANARY/i;

export const CLIENT_FIXTURES: readonly { client: ClientName; fixture: string; fileName: string }[] = [
  { client: 'claude', fixture: 'claude_desktop_config.json', fileName: 'claude_desktop_config.json' },
  { client: 'cursor', fixture: 'cursor-mcp.json', fileName: 'mcp.json' },
  { client: 'vscode', fixture: 'vscode-mcp.json', fileName: 'mcp.json' },
  { client: 'vscode', fixture: 'vscode-settings.json', fileName: 'settings.json' },
  { client: 'windsurf', fixture: 'windsurf-mcp_config.json', fileName: 'mcp_config.json' },
];

/** A temp dir holding a copy of a fixture under the client's real file name. */
export function copyFixture(
  fixture: string,
  fileName: string,
  mode = 0o644,
): { dir: string; file: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-import-'));
  const file = path.join(dir, fileName);
  fs.copyFileSync(path.join(FIXTURES, fixture), file);
  fs.chmodSync(file, mode);
  return { dir, file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
