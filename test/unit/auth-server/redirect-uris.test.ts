import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRedirect, redirectUriProblem } from '../../../src/auth-server/redirect-uris.ts';
import { pkceProblem } from '../../../src/auth-server/pkce-guard.ts';

test('loopback, app-scheme and https redirect URIs can be registered', () => {
  for (const ok of [
    'http://127.0.0.1:6274/oauth/callback',
    'http://localhost/callback',
    'http://[::1]:9000/cb',
    'cursor://anysphere.cursor-retrieval/oauth/user-airlock/callback',
    'vscode://vscode.github-authentication/did-authenticate',
    'https://app.example.com/cb',
  ]) {
    assert.equal(redirectUriProblem(ok), undefined, ok);
  }
});

test('plain http off this machine, script and file schemes, fragments and credentials are refused', () => {
  for (const bad of [
    'http://example.com/cb',
    'http://192.168.1.2/cb',
    'javascript:alert(1)',
    'data:text/html,hi',
    'file:///etc/passwd',
    'http://127.0.0.1/cb#x',
    'https://user:pw@example.com/cb',
    'relative/path',
  ]) {
    assert.ok(redirectUriProblem(bad), bad);
  }
});

test('the consent says where the code goes', () => {
  assert.match(describeRedirect('http://127.0.0.1:6274/cb'), /listening on this computer \(127\.0\.0\.1:6274\)/);
  assert.match(describeRedirect('https://evil.example/cb'), /web site evil\.example/);
  assert.match(describeRedirect('cursor://x/cb'), /handles cursor:\/\/ links/);
});

test('PKCE: a challenge is required, S256 only, of the S256 shape', () => {
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  assert.equal(pkceProblem({ code_challenge: challenge, code_challenge_method: 'S256' }), undefined);
  assert.match(pkceProblem({})!, /required/);
  assert.match(pkceProblem({ code_challenge: challenge, code_challenge_method: 'plain' })!, /S256/);
  assert.match(pkceProblem({ code_challenge: challenge })!, /S256/);
  assert.match(pkceProblem({ code_challenge: 'short', code_challenge_method: 'S256' })!, /not an S256/);
});
