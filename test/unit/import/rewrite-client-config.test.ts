import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { planImport } from '../../../src/import/import-plan.ts';
import { readClientConfig } from '../../../src/import/read-client-config.ts';
import {
  airlockEntryFor,
  backupPathFor,
  rewriteClientConfig,
  rewriteClientConfigFile,
} from '../../../src/import/rewrite-client-config.ts';
import type { ClientName } from '../../../src/import/client-formats.ts';
import { CANARY, CLIENT_FIXTURES, copyFixture } from './fixtures.ts';

const entryOptions = {
  mcpUrl: 'http://127.0.0.1:47100/mcp',
  stdioCommand: { command: '/usr/bin/node', args: ['/opt/airlock/bin/airlock.js'] },
};

test('the Airlock entry per client', () => {
  assert.deepEqual(airlockEntryFor('claude', entryOptions), {
    command: '/usr/bin/node',
    args: ['/opt/airlock/bin/airlock.js', 'stdio', '--client', 'claude'],
  });
  assert.deepEqual(airlockEntryFor('cursor', entryOptions), { url: 'http://127.0.0.1:47100/mcp' });
  assert.deepEqual(airlockEntryFor('vscode', entryOptions), { type: 'http', url: 'http://127.0.0.1:47100/mcp' });
  assert.deepEqual(airlockEntryFor('windsurf', entryOptions), { serverUrl: 'http://127.0.0.1:47100/mcp' });
});

test('each client: backup is the original bytes and mode; the rewrite keeps other keys and holds no secret', () => {
  for (const { client, fixture, fileName } of CLIENT_FIXTURES) {
    const { dir, file, cleanup } = copyFixture(fixture, fileName, 0o640);
    try {
      const original = fs.readFileSync(file);
      const { parsed, text } = readClientConfig(file);
      const plan = planImport({ client, file, parsed, existingServerNames: [], existingSecretNames: [] });
      const keep = plan.servers.filter((s) => s.skipped).map((s) => s.sourceName);
      const entry = airlockEntryFor(client, entryOptions);
      const { backupPath } = rewriteClientConfigFile({ client, file, entry, keep, expectText: text });

      assert.equal(path.dirname(backupPath), dir);
      assert.match(
        path.basename(backupPath),
        new RegExp(`^${fileName.replace('.', '\\.')}\\.airlock-backup-\\d{8}T\\d{6}$`),
      );
      assert.deepEqual(fs.readFileSync(backupPath), original, 'backup is byte-identical');
      assert.equal(fs.statSync(backupPath).mode & 0o777, 0o640, 'backup keeps the mode');
      assert.equal(fs.statSync(file).mode & 0o777, 0o640, 'rewritten file keeps the mode');

      const rewritten = fs.readFileSync(file, 'utf8');
      assert.doesNotMatch(rewritten, CANARY, fixture);
      const after = parse(rewritten, [], { allowTrailingComma: true }) as Record<string, unknown>;
      const before = parsed;
      const key = plan.serversKey;
      const serversOf = (root: Record<string, unknown>) =>
        key.reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], root) as Record<string, unknown>;
      assert.deepEqual(Object.keys(serversOf(after)).sort(), [...keep, 'airlock'].sort(), fixture);
      assert.deepEqual(serversOf(after).airlock, entry);
      // Everything outside the servers object is unchanged.
      for (const topKey of Object.keys(before)) {
        if (topKey === key[0]) continue;
        assert.deepEqual(after[topKey], before[topKey], `${fixture}: ${topKey}`);
      }
      assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
    } finally {
      cleanup();
    }
  }
});

test('VS Code JSONC: comments, trailing commas and unknown keys survive', () => {
  const { file, cleanup } = copyFixture('vscode-mcp.json', 'mcp.json');
  try {
    rewriteClientConfigFile({
      client: 'vscode',
      file,
      entry: airlockEntryFor('vscode', entryOptions),
      keep: ['fetch'],
    });
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.includes('// Inputs are prompted once and stored by VS Code.'));
    assert.ok(text.includes('/* Not ours: must survive a rewrite. */'));
    assert.ok(text.includes('"someUnknownKey": { "keep": true, },'));
    assert.ok(text.includes('"password": true,\n    },\n  ],'), 'trailing commas in inputs kept as written');
    assert.ok(text.includes('"envFile": "${workspaceFolder}/.env",'), 'kept entry untouched');
    assert.doesNotMatch(text, CANARY);

    const settings = copyFixture('vscode-settings.json', 'settings.json');
    try {
      rewriteClientConfigFile({
        client: 'vscode',
        file: settings.file,
        entry: airlockEntryFor('vscode', entryOptions),
      });
      const s = fs.readFileSync(settings.file, 'utf8');
      assert.ok(s.includes('"editor.fontSize": 14, // my eyes'));
      assert.ok(s.includes('"files.autoSave": "afterDelay",\n}'));
      assert.doesNotMatch(s, CANARY);
      assert.deepEqual((parse(s, [], { allowTrailingComma: true }) as { mcp: unknown }).mcp, {
        servers: { airlock: { type: 'http', url: 'http://127.0.0.1:47100/mcp' } },
      });
    } finally {
      settings.cleanup();
    }
  } finally {
    cleanup();
  }
});

test('a second rewrite in the same second never overwrites the first backup', () => {
  const { file, cleanup } = copyFixture('cursor-mcp.json', 'mcp.json');
  try {
    const now = new Date(2026, 0, 2, 3, 4, 5);
    const first = rewriteClientConfigFile({ client: 'cursor', file, entry: { url: 'http://a' }, now });
    const afterFirst = fs.readFileSync(file);
    const second = rewriteClientConfigFile({ client: 'cursor', file, entry: { url: 'http://b' }, now });
    assert.equal(first.backupPath, `${file}.airlock-backup-20260102T030405`);
    assert.notEqual(second.backupPath, first.backupPath);
    assert.match(fs.readFileSync(first.backupPath, 'utf8'), /CANARY/);
    assert.deepEqual(fs.readFileSync(second.backupPath), afterFirst);
    assert.equal(backupPathFor('/x/y.json', now), '/x/y.json.airlock-backup-20260102T030405');
  } finally {
    cleanup();
  }
});

test('an invalid JSON file: clear error with the position, file untouched, no backup', async () => {
  const { dir, file, cleanup } = copyFixture('claude_desktop_config.json', 'claude_desktop_config.json');
  try {
    // The typical hand edit gone wrong: a comma lost after `"command": "docker"`.
    const valid = fs.readFileSync(file, 'utf8');
    const broken = valid.replace('"command": "docker",', '"command": "docker"');
    assert.notEqual(broken, valid);
    fs.writeFileSync(file, broken);
    const expectedLine = broken.slice(0, broken.indexOf('"command": "docker"')).split('\n').length + 1;
    const past = new Date('2024-01-01T00:00:00Z');
    fs.utimesSync(file, past, past);
    const bytes = fs.readFileSync(file);
    const mtime = fs.statSync(file).mtimeMs;
    assert.throws(
      () => readClientConfig(file),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'IMPORT_INVALID_FILE');
        assert.ok(error.message.includes(file));
        assert.match(error.message, new RegExp(`line ${expectedLine}, column 7`));
        assert.doesNotMatch(error.message, CANARY);
        return true;
      },
    );
    assert.throws(
      () => rewriteClientConfigFile({ client: 'claude', file, entry: airlockEntryFor('claude', entryOptions) }),
      { code: 'IMPORT_INVALID_FILE' },
    );
    assert.deepEqual(fs.readFileSync(file), bytes);
    assert.equal(fs.statSync(file).mtimeMs, mtime);
    assert.deepEqual(fs.readdirSync(dir), ['claude_desktop_config.json']);
  } finally {
    cleanup();
  }
});

test('a file changed since planning is not rewritten', () => {
  const { file, cleanup } = copyFixture('cursor-mcp.json', 'mcp.json');
  try {
    const bytes = fs.readFileSync(file);
    assert.throws(
      () => rewriteClientConfigFile({ client: 'cursor', file, entry: { url: 'http://a' }, expectText: '{}' }),
      { code: 'IMPORT_FILE_CHANGED' },
    );
    assert.deepEqual(fs.readFileSync(file), bytes);
  } finally {
    cleanup();
  }
});

test('a symlinked config stays a symlink; a missing servers key is created', () => {
  const { dir, file, cleanup } = copyFixture('windsurf-mcp_config.json', 'real.json');
  try {
    const link = path.join(dir, 'mcp_config.json');
    fs.symlinkSync(file, link);
    rewriteClientConfigFile({ client: 'windsurf', file: link, entry: { serverUrl: 'http://a' } });
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.doesNotMatch(fs.readFileSync(file, 'utf8'), CANARY);

    const clients: ClientName[] = ['claude', 'vscode'];
    for (const client of clients) {
      const { newText } = rewriteClientConfig({
        client,
        file: 'x/mcp.json',
        text: '{ "other": 1 }',
        entry: { url: 'u' },
      });
      const parsed = JSON.parse(newText) as Record<string, unknown>;
      assert.equal(parsed.other, 1);
      assert.deepEqual(parsed[client === 'claude' ? 'mcpServers' : 'servers'], { airlock: { url: 'u' } });
    }
  } finally {
    cleanup();
  }
});
