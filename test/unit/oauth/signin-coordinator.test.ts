import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ConsentBroker } from '../../../src/consent/consent-broker.ts';
import type { ConsentRequest } from '../../../src/consent/consent-request.ts';
import type { UrlOpener } from '../../../src/consent/url-opener.ts';
import type { InterceptContext } from '../../../src/gateway/client-session.ts';
import { PendingFlows } from '../../../src/oauth/pending-flows.ts';
import { MAX_SIGNINS_PER_CALL, SignInCoordinator, SignInDeclinedError } from '../../../src/oauth/signin-coordinator.ts';
import { serverRecordName } from '../../../src/oauth/oauth-records.ts';
import { openVault, type FileVault } from '../../../src/vault/file-vault.ts';
import { MemoryCipher } from '../../../src/vault/memory-cipher.ts';
import { startLocalOAuthServer, type LocalOAuthServer } from './local-oauth-server.ts';

let dir: string;

interface Rig {
  as: LocalOAuthServer;
  vault: FileVault;
  consents: ConsentBroker;
  coordinator: SignInCoordinator;
  added: ConsentRequest[];
  opened: string[];
  close(): Promise<void>;
}

/**
 * A coordinator with a real broker, vault and authorization server; the "browser" the broker
 * opens on approval loads the callback for the URL's state with a code, as the AS would redirect.
 */
async function rig(options: { consentTimeoutMs?: number } = {}): Promise<Rig> {
  const as = await startLocalOAuthServer({ tokenDelayMs: 20 });
  const vault = await openVault({ file: path.join(dir, `vault-${Date.now()}.json`), cipher: new MemoryCipher() });
  const flows = new PendingFlows();
  const opened: string[] = [];
  const urlOpener: UrlOpener = {
    open: async (url) => {
      opened.push(url);
      const state = new URL(url).searchParams.get('state');
      setImmediate(() => {
        void (async () => {
          await flows.whenApproved(state, 3_000);
          const taken = flows.take(state);
          if (taken.ok) await taken.exchange('code-from-as').catch(() => {});
        })();
      });
    },
  };
  const consents = new ConsentBroker({ urlOpener });
  const added: ConsentRequest[] = [];
  consents.subscribe((event) => {
    if (event.type === 'added') added.push(event.request);
  });
  const coordinator = new SignInCoordinator({
    vault,
    consents,
    flows,
    references: { secret: async () => undefined, oauthToken: async () => '' },
    redirectUrl: () => 'http://127.0.0.1:47999/oauth/callback',
    consentTimeoutMs: () => options.consentTimeoutMs ?? 60_000,
    registry: () => undefined,
  });
  coordinator.providerFor('up', () => ({ url: as.mcpUrl }));
  return {
    as,
    vault,
    consents,
    coordinator,
    added,
    opened,
    close: async () => {
      coordinator.close();
      consents.close();
      await vault.close();
      await as.close();
    },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function context(): InterceptContext {
  return {
    sessionId: 's1',
    server: 'up',
    client: { name: 'tester' } as InterceptContext['client'],
    clientCapabilities: {},
    requestClient: async () => ({}),
  };
}

describe('SignInCoordinator', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-signin-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('concurrent callers share one consent and one sign-in, and all complete after approval', async (t) => {
    const r = await rig();
    t.after(() => r.close());
    const callers = [r.coordinator.signIn('up'), r.coordinator.signIn('up'), r.coordinator.awaitSignIn('up')];
    await until(() => r.added.length > 0, 'the consent');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(r.added.length, 1, 'one consent for three callers');
    const consent = r.added[0]!;
    assert.equal(consent.kind, 'upstream-signin');
    assert.equal(consent.server, 'up');
    assert.equal(new URL(consent.url!).origin, r.as.base);
    r.consents.answer(consent.id, { action: 'approve' }, 'test');
    await Promise.all(callers);
    assert.deepEqual(r.opened, [consent.url], 'approval opened exactly the consented URL, once');
    const codeGrants = r.as.tokenRequests.filter((p) => p.get('grant_type') === 'authorization_code');
    assert.equal(codeGrants.length, 1, 'one code exchange');
    assert.ok(codeGrants[0]!.get('code_verifier'), 'PKCE verifier sent');
    const stored = JSON.parse((await r.vault.get(serverRecordName('up')))!) as { tokens?: { access_token?: string } };
    assert.equal(stored.tokens?.access_token, 'access-1');
  });

  test('a declined consent fails every waiting caller clearly, and a later sign-in asks again', async (t) => {
    const r = await rig();
    t.after(() => r.close());
    const callers = [r.coordinator.signIn('up'), r.coordinator.signIn('up')].map((p) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    await until(() => r.added.length > 0, 'the consent');
    r.consents.answer(r.added[0]!.id, { action: 'deny' }, 'test');
    for (const error of await Promise.all(callers)) {
      assert.ok(error instanceof SignInDeclinedError);
      assert.equal(error.code, 'UPSTREAM_NEEDS_SIGNIN');
      assert.match(error.message, /sign-in to "up" was not completed \(declined\)/);
    }
    assert.deepEqual(r.opened, [], 'nothing was opened');
    assert.equal(r.as.tokenRequests.length, 0);

    const again = r.coordinator.signIn('up').catch((e: unknown) => e);
    await until(() => r.added.length > 1, 'a new consent');
    r.consents.answer(r.added[1]!.id, { action: 'deny' }, 'test');
    assert.ok((await again) instanceof SignInDeclinedError);
  });

  test('a consent left unanswered expires and fails the callers as expired', async (t) => {
    const r = await rig({ consentTimeoutMs: 100 });
    t.after(() => r.close());
    await assert.rejects(r.coordinator.signIn('up'), /not completed \(the request expired\)/);
  });

  test('a tool call refused again after a sign-in, with no more scope asked, is not retried forever', async (t) => {
    const r = await rig();
    t.after(() => r.close());
    let calls = 0;
    const interceptors = r.coordinator.interceptors();
    const result = interceptors.toolCall!(
      context(),
      async () => {
        calls++;
        throw new UnauthorizedError('still refused');
      },
      new AbortController().signal,
    ).catch((e: unknown) => e);
    await until(() => r.added.length > 0, 'the consent');
    r.consents.answer(r.added[0]!.id, { action: 'approve' }, 'test');
    assert.ok((await result) instanceof UnauthorizedError);
    assert.equal(r.added.length, 1, 'one sign-in: another would not help');
    assert.equal(calls, 2, 'the call was retried once after the sign-in');
    assert.ok(MAX_SIGNINS_PER_CALL >= 2, 'a step-up after a first sign-in is allowed');
  });
});
