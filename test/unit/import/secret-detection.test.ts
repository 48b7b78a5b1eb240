import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  findArgSecrets,
  findEnvSecrets,
  findHeaderSecrets,
  findStringSecrets,
  isSecretHeaderName,
  isSecretName,
  looksLikeSecretValue,
  type SecretSpan,
} from '../../../src/import/secret-detection.ts';

const texts = (value: string, spans: SecretSpan[]) => spans.map((s) => value.slice(s.start, s.end));

test('secret-looking variable and header names', () => {
  for (const name of [
    'GITHUB_TOKEN',
    'OPENAI_API_KEY',
    'API_KEY',
    'CLIENT_SECRET',
    'DB_PASSWORD',
    'GITHUB_PAT',
    'AUTH',
    'AUTH_HEADER_VALUE',
    'CREDENTIALS',
    'apiKey',
    'exaApiKey',
  ]) {
    assert.ok(isSecretName(name), name);
  }
  for (const name of [
    'PATH',
    'HOME',
    'AUTH_URL',
    'API_KEY_FILE',
    'CLIENT_ID',
    'TOKEN_ENDPOINT',
    'SLACK_TEAM_ID',
    'KEYBOARD',
    'MONKEY_MODE',
    'LOG_LEVEL',
  ]) {
    assert.ok(!isSecretName(name), name);
  }
  for (const name of [
    'Authorization',
    'Proxy-Authorization',
    'X-API-Key',
    'Api-Key',
    'X-Auth-Token',
    'Private-Token',
    'Cookie',
  ]) {
    assert.ok(isSecretHeaderName(name), name);
  }
  for (const name of ['Accept', 'Content-Type', 'X-Request-Id', 'User-Agent'])
    assert.ok(!isSecretHeaderName(name), name);
});

test('secret-shaped values', () => {
  for (const value of [
    'ghp_CANARY0000000000000000000000000001',
    'github_pat_CANARY000000000000000000001',
    'sk-CANARY00000000000000001',
    'sk-ant-api03-CANARY000000000000001',
    'xoxb-CANARY-0000001',
    'xoxp-1234-5678-CANARY',
    'AKIAIOSFODNN7EXAMPLE',
    'glpat-CANARY00000000000001',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.CANARYsignature0001',
    'q8Zr2LmW9xTb4KpV7nYc3HsD6fJg1QeA5uRt',
  ]) {
    assert.ok(looksLikeSecretValue(value), value);
  }
  for (const value of [
    'us-east-1',
    '@modelcontextprotocol/server-filesystem',
    '/Users/alice/projects/something-quite-long-2024',
    'true',
    'gpt-4o',
    'https://example.com/mcp',
    'my-very-long-package-name-with-many-words-2',
  ]) {
    assert.ok(!looksLikeSecretValue(value), value);
  }
});

test('env: a secret name moves the whole value; placeholders, paths and flags stay', () => {
  assert.deepEqual(texts('abc123secret', findEnvSecrets('SERVICE_TOKEN', 'abc123secret')), ['abc123secret']);
  assert.deepEqual(findEnvSecrets('SERVICE_TOKEN', '${secret:service-token}'), []);
  assert.deepEqual(findEnvSecrets('API_KEY', '${input:api-key}'), []);
  assert.deepEqual(findEnvSecrets('API_KEY', '${env:OPENAI_API_KEY}'), []);
  assert.deepEqual(findEnvSecrets('GOOGLE_APPLICATION_CREDENTIALS', '/home/a/creds.json'), []);
  assert.deepEqual(findEnvSecrets('AUTH_ENABLED', 'true'), []);
  // A token shape under an innocent name is still a secret.
  const value = 'ghp_CANARYenv000000000000000000000000001';
  assert.deepEqual(texts(value, findEnvSecrets('GH', value)), [value]);
  // A connection string: only the password moves.
  const dsn = 'postgres://app:CANARYpw@db:5432/app';
  assert.deepEqual(texts(dsn, findEnvSecrets('DATABASE_URL', dsn)), ['CANARYpw']);
});

test('headers: Bearer keeps its scheme', () => {
  const value = 'Bearer CANARYopaque-token-0001';
  assert.deepEqual(texts(value, findHeaderSecrets('Authorization', value)), ['CANARYopaque-token-0001']);
  assert.deepEqual(texts('CANARYkey', findHeaderSecrets('X-API-Key', 'CANARYkey')), ['CANARYkey']);
  assert.deepEqual(findHeaderSecrets('Authorization', 'Bearer ${oauth:corp-sso}'), []);
  assert.deepEqual(findHeaderSecrets('Accept', 'application/json'), []);
});

test('args: --flag=value, --flag value, NAME=value, header strings, URLs', () => {
  const args = [
    '-y',
    'pkg',
    '--api-key=CANARYinline',
    '--token',
    'CANARYnext',
    '-e',
    'GITHUB_TOKEN=CANARYdocker',
    '--header',
    'Authorization: Bearer CANARYheader',
    'https://u:CANARYpass@host/x?api_key=CANARYquery&mode=fast',
    '--key',
    '/etc/ssl/client.key',
    '--model',
    'gpt-4o',
  ];
  const found = findArgSecrets(args).flatMap((f) => texts(args[f.index]!, f.spans));
  assert.deepEqual(found, ['CANARYinline', 'CANARYnext', 'CANARYdocker', 'CANARYheader', 'CANARYpass', 'CANARYquery']);
});

test('URLs: userinfo and secret query parameters', () => {
  const url = 'https://mcp.example.com/mcp?apiKey=CANARYa&access_token=CANARYb&tools=a,b#frag';
  assert.deepEqual(texts(url, findStringSecrets(url)), ['CANARYa', 'CANARYb']);
  const tokenAsUser = 'https://ghp_CANARYuser00000000000000000000001@github.com/org/repo';
  assert.deepEqual(texts(tokenAsUser, findStringSecrets(tokenAsUser)), ['ghp_CANARYuser00000000000000000000001']);
  assert.deepEqual(findStringSecrets('https://mcp.linear.app/sse'), []);
  assert.deepEqual(findStringSecrets('https://x.example/mcp?key=${secret:x}'), []);
});
