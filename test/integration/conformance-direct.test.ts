/**
 * The official MCP conformance server scenarios (spec 2025-11-25) pass against our conformance fixture
 * directly. The gateway suite runs the same scenarios through Airlock and compares with this baseline.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  KNOWN_UNSUPPORTED,
  listServerScenarios,
  runServerConformance,
  startHeaderProxy,
} from '../helpers/conformance.ts';
import type { ConformanceResult } from '../helpers/conformance.ts';
import { startConformanceFixture, startHttpFixture } from '../helpers/spawn-fixture.ts';
import type { RunningFixture } from '../helpers/spawn-fixture.ts';

export { KNOWN_UNSUPPORTED };

describe('conformance scenarios against the fixture directly', { timeout: 150_000 }, () => {
  let fixture: RunningFixture;
  let results: ConformanceResult[];
  before(async () => {
    fixture = await startConformanceFixture();
    results = await runServerConformance(fixture.url, { timeoutMs: 120_000 });
  });
  after(() => fixture?.stop());

  test('every 2025-11-25 server scenario of the installed CLI was run', async () => {
    const expected = await listServerScenarios('2025-11-25');
    assert.ok(expected.length >= 30, `only ${expected.length} scenarios listed`);
    assert.deepEqual(
      results.map((r) => r.scenario),
      expected,
    );
  });

  test('every scenario passes, except the documented unsupported ones', () => {
    const failures = results
      .filter((r) => !r.passed && !(r.scenario in KNOWN_UNSUPPORTED))
      .map((r) => `${r.scenario}: ${r.detail}`);
    assert.deepEqual(failures, []);
    const stale = results.filter((r) => r.passed && r.scenario in KNOWN_UNSUPPORTED).map((r) => r.scenario);
    assert.deepEqual(stale, [], 'KNOWN_UNSUPPORTED lists scenarios that now pass');
  });

  test('the scenarios ran real checks (not an empty pass)', () => {
    const successes = results.flatMap((r) => r.checks).filter((c) => c.status === 'SUCCESS').length;
    assert.ok(successes >= 40, `only ${successes} successful checks`);
    const byName = new Map(results.map((r) => [r.scenario, r]));
    assert.match(byName.get('json-schema-2020-12')?.detail ?? '', /^4 passed, 0 failed/);
    assert.match(byName.get('dns-rebinding-protection')?.detail ?? '', /^2 passed, 0 failed/);
  });

  test('a single scenario can be run on its own, through the header proxy', async () => {
    const [result, ...rest] = await runServerConformance(fixture.url, {
      scenarios: ['dns-rebinding-protection'],
      headers: { authorization: 'Bearer proxy-test' },
      timeoutMs: 30_000,
    });
    assert.equal(rest.length, 0);
    assert.equal(result?.scenario, 'dns-rebinding-protection');
    assert.equal(result?.passed, true, result?.detail);
  });
});

describe('the header proxy used for authenticated runs', { timeout: 20_000 }, () => {
  test('adds the headers and keeps the session working', async () => {
    const fixture = await startHttpFixture();
    const proxy = await startHeaderProxy(fixture.url, { authorization: 'Bearer through-proxy' });
    const client = new Client({ name: 'proxy-test', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(proxy.url)));
      const result = (await client.callTool({ name: 'headers', arguments: {} })) as CallToolResult;
      const first = result.content[0];
      assert.equal(first?.type, 'text');
      const headers = JSON.parse(first.text);
      assert.equal(headers.authorization, 'Bearer through-proxy');
      assert.equal(headers.host, new URL(fixture.url).host);
    } finally {
      await client.close();
      await proxy.close();
      await fixture.stop();
    }
  });
});
