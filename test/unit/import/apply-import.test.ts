import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfig, writeConfig } from '../../../src/config/config-store.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { applyImport } from '../../../src/import/apply-import.ts';
import { planImport, type ImportPlan } from '../../../src/import/import-plan.ts';
import { readClientConfig } from '../../../src/import/read-client-config.ts';
import { CANARY, CLIENT_FIXTURES, FIXTURES } from './fixtures.ts';
import { MemoryVault } from './memory-vault.ts';

function setup() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-apply-'));
  const configFile = path.join(home, 'config.json');
  const config = configSchema.parse({ mcpServers: { files: { command: 'npx', args: ['-y', 'fs-server'] } } });
  writeConfig(configFile, config);
  return { home, configFile, cleanup: () => fs.rmSync(home, { recursive: true, force: true }) };
}

async function plan(
  client: (typeof CLIENT_FIXTURES)[number],
  configFile: string,
  vault: MemoryVault,
): Promise<ImportPlan> {
  const file = path.join(FIXTURES, client.fixture);
  return planImport({
    client: client.client,
    file,
    parsed: readClientConfig(file).parsed,
    existingServerNames: Object.keys(readConfig(configFile).mcpServers),
    existingSecretNames: (await vault.list('secret/')).map((r) => r.name.slice('secret/'.length)),
  });
}

test('each client: secrets land in the vault, servers in config.json, no secret in config.json', async () => {
  for (const fixture of CLIENT_FIXTURES) {
    const { configFile, cleanup } = setup();
    try {
      const vault = new MemoryVault();
      const p = await plan(fixture, configFile, vault);
      await applyImport(p, { configFile, vault });

      const text = fs.readFileSync(configFile, 'utf8');
      assert.doesNotMatch(text, CANARY, fixture.fixture);
      const config = readConfig(configFile);
      assert.ok(config.mcpServers.files, 'existing servers are kept');
      for (const server of p.servers) {
        assert.equal(Boolean(config.mcpServers[server.name]), Boolean(server.config), server.name);
      }
      for (const secret of p.secrets) {
        assert.equal(vault.records.get(`secret/${secret.name}`), secret.value);
        assert.ok(text.includes(`\${secret:${secret.name}}`), `config references ${secret.name}`);
      }
      assert.equal(vault.records.size, p.secrets.length);
      assert.equal((fs.statSync(configFile).mode & 0o777).toString(8), '600');
    } finally {
      cleanup();
    }
  }
});

test('Claude Desktop: the expected vault records', async () => {
  const { configFile, cleanup } = setup();
  try {
    const vault = new MemoryVault();
    await applyImport(await plan(CLIENT_FIXTURES[0]!, configFile, vault), { configFile, vault });
    assert.deepEqual(Object.fromEntries(vault.records), {
      'secret/github-personal-access-token': 'ghp_CANARYclaude00000000000000000000001',
      'secret/brave-search-brave-api-key': 'BSA_CANARY_claude_brave_0001',
      'secret/linear-key': 'lin_api_CANARYclaudeLinear00000001',
      'secret/postgres-url-password': 'CANARY-claude-pg-0001',
    });
    assert.equal(
      readConfig(configFile).mcpServers.github && 'env' in readConfig(configFile).mcpServers.github!
        ? (readConfig(configFile).mcpServers.github as { env: Record<string, string> }).env.GITHUB_PERSONAL_ACCESS_TOKEN
        : undefined,
      '${secret:github-personal-access-token}',
    );
  } finally {
    cleanup();
  }
});

test('a failing vault write leaves config.json byte-identical and removes the secrets already written', async () => {
  const { configFile, cleanup } = setup();
  try {
    const vault = new MemoryVault();
    const p = await plan(CLIENT_FIXTURES[1]!, configFile, vault);
    vault.failOn = `secret/${p.secrets[2]!.name}`;
    const before = fs.readFileSync(configFile);
    await assert.rejects(applyImport(p, { configFile, vault }), /disk full/);
    assert.deepEqual(fs.readFileSync(configFile), before);
    assert.equal(vault.records.size, 0);
  } finally {
    cleanup();
  }
});

test('a name taken since planning: nothing is written', async () => {
  const { configFile, cleanup } = setup();
  try {
    const vault = new MemoryVault();
    const p = await plan(CLIENT_FIXTURES[1]!, configFile, vault);
    await vault.set('secret/stripe-key', 'someone else');
    const before = fs.readFileSync(configFile);
    await assert.rejects(applyImport(p, { configFile, vault }), { code: 'IMPORT_CONFLICT' });
    assert.deepEqual(fs.readFileSync(configFile), before);
    assert.deepEqual([...vault.records.keys()], ['secret/stripe-key']);

    vault.records.clear();
    const config = readConfig(configFile);
    config.mcpServers.stripe = { command: 'other', args: [] };
    writeConfig(configFile, config);
    const before2 = fs.readFileSync(configFile);
    await assert.rejects(applyImport(p, { configFile, vault }), { code: 'IMPORT_CONFLICT' });
    assert.deepEqual(fs.readFileSync(configFile), before2);
    assert.equal(vault.records.size, 0);
  } finally {
    cleanup();
  }
});
