import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addServerEntry, removeServerEntry } from '../../../src/config/server-entries.ts';
import { readConfig } from '../../../src/config/config-store.ts';

function tempConfig(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-entries-')), 'config.json');
}

test('a server is added once, replaced only when asked, and removed', () => {
  const file = tempConfig();
  addServerEntry(file, 'files', { command: 'npx', args: ['-y', 'server-filesystem', '/tmp'] });
  assert.deepEqual(readConfig(file).mcpServers.files, { command: 'npx', args: ['-y', 'server-filesystem', '/tmp'] });
  assert.throws(
    () => addServerEntry(file, 'files', { url: 'https://x.example/mcp' }, { existsHint: ' (use --replace)' }),
    {
      code: 'SERVER_EXISTS',
      message: /already exists \(use --replace\)/,
    },
  );
  addServerEntry(file, 'files', { url: 'https://x.example/mcp' }, { replace: true });
  assert.deepEqual(readConfig(file).mcpServers.files, { url: 'https://x.example/mcp' });
  removeServerEntry(file, 'files');
  assert.deepEqual(readConfig(file).mcpServers, {});
  assert.throws(() => removeServerEntry(file, 'files'), { code: 'SERVER_UNKNOWN' });
});

test('a literal credential is refused and nothing is written', () => {
  const file = tempConfig();
  const token = `ghp_${'a1B2c3D4'.repeat(5)}`;
  assert.throws(() => addServerEntry(file, 'gh', { command: 'npx', args: [], env: { GITHUB_TOKEN: token } }), {
    code: 'LITERAL_SECRET',
    message: /environment variable "GITHUB_TOKEN" looks like a secret/,
  });
  assert.throws(
    () =>
      addServerEntry(file, 'remote', { url: 'https://x.example/mcp', headers: { Authorization: `Bearer ${token}` } }),
    { code: 'LITERAL_SECRET', message: /header "Authorization"/ },
  );
  assert.equal(fs.existsSync(file), false, 'config.json was never written');
  addServerEntry(file, 'gh', { command: 'npx', args: [], env: { GITHUB_TOKEN: '${secret:github-pat}' } });
  assert.ok(!fs.readFileSync(file, 'utf8').includes(token));
});
