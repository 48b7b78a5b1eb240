import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLiteralSecret } from '../../../src/secrets/literal-secrets.ts';

test('a literal token in env or headers is found by its key', () => {
  assert.equal(findLiteralSecret({ DEBUG: '1', GITHUB_TOKEN: `ghp_${'a1B2c3D4'.repeat(5)}` }), 'GITHUB_TOKEN');
  assert.equal(findLiteralSecret({ Authorization: `Bearer ${'x9Y8z7W6'.repeat(4)}` }), 'Authorization');
});

test('references to the vault and harmless values pass', () => {
  assert.equal(
    findLiteralSecret({ GITHUB_TOKEN: '${secret:github-pat}', Authorization: 'Bearer ${oauth:corp}' }),
    undefined,
  );
  assert.equal(findLiteralSecret({ LOG_LEVEL: 'debug', PORT: '8080', ROOT: '/tmp/files' }), undefined);
  assert.equal(findLiteralSecret(undefined), undefined);
});
