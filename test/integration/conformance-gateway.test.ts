/**
 * The official MCP conformance server scenarios through Airlock: the conformance fixture runs behind the
 * gateway as server `conf`, and every scenario that passes against the fixture directly must also pass
 * against `/mcp/conf` (reached through the header proxy, which adds the client key).
 *
 * dns-rebinding-protection: the proxy rewrites only Host/Origin naming the proxy itself, so the scenario's
 * foreign Host/Origin reach the gateway untouched and exercise the gateway's own check (403).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runServerConformance } from '../helpers/conformance.ts';
import type { ConformanceResult } from '../helpers/conformance.ts';
import { startConformanceFixture } from '../helpers/spawn-fixture.ts';
import type { RunningFixture } from '../helpers/spawn-fixture.ts';
import { startGatewayHarness } from '../helpers/gateway-harness.ts';
import type { GatewayHarness } from '../helpers/gateway-harness.ts';

/** Scenarios that pass directly but cannot pass through a gateway, with the reason. */
const GATEWAY_EXCEPTIONS: Readonly<Record<string, string>> = {};

describe('conformance scenarios through the gateway', { timeout: 240_000 }, () => {
  let fixture: RunningFixture;
  let h: GatewayHarness;
  let direct: ConformanceResult[];
  let gateway: ConformanceResult[];

  before(async () => {
    fixture = await startConformanceFixture();
    h = await startGatewayHarness({ noRemote: true, socket: false, servers: { conf: { url: fixture.url } } });
    const key = await h.addClient('conformance');
    // The two runs are independent (the fixture keeps no state across sessions): run them side by side.
    [direct, gateway] = await Promise.all([
      runServerConformance(fixture.url, { timeoutMs: 200_000 }),
      runServerConformance(h.url('conf'), { headers: { authorization: `Bearer ${key}` }, timeoutMs: 200_000 }),
    ]);
  });
  after(async () => {
    await h?.close();
    await fixture?.stop();
  });

  test('both runs covered the same scenarios', () => {
    assert.ok(direct.length >= 30, `only ${direct.length} scenarios`);
    assert.deepEqual(
      gateway.map((r) => r.scenario),
      direct.map((r) => r.scenario),
    );
  });

  test('every scenario that passes directly passes through the gateway', () => {
    const byName = new Map(gateway.map((r) => [r.scenario, r]));
    const regressions = direct
      .filter((r) => r.passed && !byName.get(r.scenario)?.passed && !(r.scenario in GATEWAY_EXCEPTIONS))
      .map((r) => `${r.scenario}: ${byName.get(r.scenario)?.detail}`);
    assert.deepEqual(regressions, []);
    const stale = Object.keys(GATEWAY_EXCEPTIONS).filter((s) => byName.get(s)?.passed);
    assert.deepEqual(stale, [], 'GATEWAY_EXCEPTIONS lists scenarios that now pass');
  });

  test("dns-rebinding-protection passes through the gateway's own Host/Origin check", () => {
    const result = gateway.find((r) => r.scenario === 'dns-rebinding-protection');
    assert.equal(result?.passed, true, result?.detail);
    assert.match(result?.detail ?? '', /^2 passed, 0 failed/);
  });

  test('the gateway adds no warnings to any scenario', () => {
    const warnings = (r: ConformanceResult | undefined) => r?.checks.filter((c) => c.status === 'WARNING').length ?? 0;
    const byName = new Map(gateway.map((r) => [r.scenario, r]));
    const worse = direct
      .filter((r) => warnings(byName.get(r.scenario)) > warnings(r))
      .map((r) => `${r.scenario}: ${byName.get(r.scenario)?.detail}`);
    assert.deepEqual(worse, []);
  });

  test('the gateway run made real checks', () => {
    const successes = gateway.flatMap((r) => r.checks).filter((c) => c.status === 'SUCCESS').length;
    assert.ok(successes >= 40, `only ${successes} successful checks`);
  });
});
