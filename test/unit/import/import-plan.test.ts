import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describePlan, planImport, sanitizeName } from '../../../src/import/import-plan.ts';
import { readClientConfig } from '../../../src/import/read-client-config.ts';
import { CANARY, CLIENT_FIXTURES, FIXTURES } from './fixtures.ts';
import type { ClientName } from '../../../src/import/client-formats.ts';

function planFor(client: ClientName, fixture: string, existing: { servers?: string[]; secrets?: string[] } = {}) {
  const file = path.join(FIXTURES, fixture);
  const { parsed } = readClientConfig(file);
  return planImport({
    client,
    file,
    parsed,
    existingServerNames: existing.servers ?? [],
    existingSecretNames: existing.secrets ?? [],
  });
}

const secretsByName = (plan: ReturnType<typeof planFor>) =>
  Object.fromEntries(plan.secrets.map((s) => [s.name, s.value]));
const configOf = (plan: ReturnType<typeof planFor>, name: string) => plan.servers.find((s) => s.name === name)?.config;

test('Claude Desktop: env, args header and connection-string secrets move; names are sanitized', () => {
  const plan = planFor('claude', 'claude_desktop_config.json');
  assert.deepEqual(
    plan.servers.map((s) => [s.sourceName, s.name]),
    [
      ['filesystem', 'filesystem'],
      ['github', 'github'],
      ['Brave Search', 'brave-search'],
      ['linear', 'linear'],
      ['postgres', 'postgres'],
    ],
  );
  assert.deepEqual(configOf(plan, 'github'), {
    command: 'docker',
    args: ['run', '-i', '--rm', '-e', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'ghcr.io/github/github-mcp-server'],
    env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${secret:github-personal-access-token}' },
  });
  const linear = configOf(plan, 'linear');
  assert.ok(linear && 'args' in linear);
  assert.equal(linear.args[4], 'Authorization: Bearer ${secret:linear-key}');
  assert.deepEqual(secretsByName(plan), {
    'github-personal-access-token': 'ghp_CANARYclaude00000000000000000000001',
    'brave-search-brave-api-key': 'BSA_CANARY_claude_brave_0001',
    'linear-key': 'lin_api_CANARYclaudeLinear00000001',
    'postgres-url-password': 'CANARY-claude-pg-0001',
  });
  assert.equal(
    plan.secrets.find((s) => s.name === 'github-personal-access-token')?.from,
    'mcpServers.github.env.GITHUB_PERSONAL_ACCESS_TOKEN',
  );
});

test('Cursor: --api-key=, header, URL query and --token value', () => {
  const plan = planFor('cursor', 'cursor-mcp.json');
  assert.deepEqual(configOf(plan, 'exa'), {
    url: 'https://mcp.exa.ai/mcp?exaApiKey=${secret:exa-api-key}&tools=web_search_exa',
  });
  assert.deepEqual(configOf(plan, 'context7'), {
    url: 'https://mcp.context7.com/mcp',
    headers: { CONTEXT7_API_KEY: '${secret:context7-api-key}' },
  });
  const values = Object.values(secretsByName(plan));
  assert.equal(values.length, 5);
  assert.ok(values.every((v) => CANARY.test(v)));
  // Not secrets: the Slack team id and the model name stay as they were.
  assert.equal((configOf(plan, 'slack') as { env: Record<string, string> }).env.SLACK_TEAM_ID, 'T01234567');
  assert.deepEqual((configOf(plan, 'openai-helper') as { args: string[] }).args, [
    'openai-mcp',
    '--token',
    '${secret:openai-helper-token}',
    '--model',
    'gpt-4o',
  ]);
});

test('VS Code: Bearer keeps its scheme, ${input:} becomes a secret to set, envFile is skipped', () => {
  const plan = planFor('vscode', 'vscode-mcp.json');
  assert.deepEqual(configOf(plan, 'github'), {
    url: 'https://api.githubcopilot.com/mcp/',
    headers: { Authorization: 'Bearer ${secret:github-token}' },
  });
  assert.deepEqual(configOf(plan, 'perplexity'), {
    command: 'npx',
    args: ['-y', 'server-perplexity-ask'],
    env: { PERPLEXITY_API_KEY: '${secret:perplexity-key}' },
  });
  assert.deepEqual(plan.secretsToSet, [{ name: 'perplexity-key', from: 'servers.perplexity.env.PERPLEXITY_API_KEY' }]);
  assert.ok(plan.warnings.some((w) => w.includes('airlock secret set perplexity-key')));
  const fetch = plan.servers.find((s) => s.sourceName === 'fetch');
  assert.equal(fetch?.config, undefined);
  assert.match(fetch?.skipped ?? '', /envFile/);
  assert.deepEqual(configOf(plan, 'legacy-events'), {
    url: 'https://events.example.com/sse?token=${secret:legacy-events-token}',
    transport: 'sse',
  });
  assert.equal(
    (configOf(plan, 'gitlab') as { env: Record<string, string> }).env.GITLAB_API_URL,
    'https://gitlab.com/api/v4',
  );
});

test('VS Code settings.json: servers under "mcp": { "servers" }', () => {
  const plan = planFor('vscode', 'vscode-settings.json');
  assert.deepEqual(plan.serversKey, ['mcp', 'servers']);
  assert.deepEqual(secretsByName(plan), { 'notion-token': 'ntn_CANARYvscodeSettingsNotion0001' });
});

test('Windsurf: serverUrl becomes url, unknown keys are dropped with a warning', () => {
  const plan = planFor('windsurf', 'windsurf-mcp_config.json');
  assert.deepEqual(configOf(plan, 'zapier'), { url: 'https://actions.zapier.com/mcp/${secret:zapier-api-key}/sse' });
  assert.equal((configOf(plan, 'aws') as { env: Record<string, string> }).env.AWS_REGION, 'us-east-1');
  assert.ok(plan.warnings.some((w) => w.includes('"disabledTools"')));
  assert.equal(plan.secrets.length, 5);
});

test('names are de-duplicated against existing servers and secrets', () => {
  const plan = planFor('claude', 'claude_desktop_config.json', {
    servers: ['github', 'github-2'],
    secrets: ['github-3-personal-access-token'],
  });
  assert.equal(plan.servers.find((s) => s.sourceName === 'github')?.name, 'github-3');
  assert.ok(plan.secrets.some((s) => s.name === 'github-3-personal-access-token-2'));
  assert.equal(sanitizeName('  My *Fancy* Server!! '), 'my-fancy-server');
  assert.equal(sanitizeName('x'.repeat(50)).length, 32);
  assert.equal(sanitizeName('***'), 'server');
});

test('the same value used twice is stored once', () => {
  const parsed = {
    mcpServers: {
      a: { command: 'a', env: { A_TOKEN: 'CANARYshared-value-0001' } },
      b: { command: 'b', args: ['--token', 'CANARYshared-value-0001'] },
    },
  };
  const plan = planImport({
    client: 'cursor',
    file: 'mcp.json',
    parsed,
    existingServerNames: [],
    existingSecretNames: [],
  });
  assert.equal(plan.secrets.length, 1);
  assert.deepEqual((plan.servers[1]!.config as { args: string[] }).args, ['--token', '${secret:a-token}']);
});

test('entries Airlock cannot use are skipped with a reason, not imported half-way', () => {
  const parsed = {
    mcpServers: {
      nothing: { foo: 1 },
      broken: { command: 'x', args: 'not-a-list', env: { X_TOKEN: 'CANARYskipped0001' } },
      list: [1, 2],
    },
  };
  const plan = planImport({
    client: 'cursor',
    file: 'mcp.json',
    parsed,
    existingServerNames: [],
    existingSecretNames: [],
  });
  assert.deepEqual(
    plan.servers.map((s) => Boolean(s.skipped)),
    [true, true, true],
  );
  assert.equal(plan.secrets.length, 0);
});

test('the preview never shows a secret value', () => {
  for (const { client, fixture } of CLIENT_FIXTURES) {
    const plan = planFor(client, fixture);
    const text = describePlan(plan);
    assert.doesNotMatch(text, CANARY, fixture);
    for (const secret of plan.secrets) {
      assert.ok(text.includes(secret.name));
      assert.ok(!text.includes(secret.value));
      assert.ok(text.includes(`(${secret.value.length} chars)`));
    }
    for (const server of plan.servers) assert.doesNotMatch(JSON.stringify(server.config ?? {}), CANARY, fixture);
  }
});
