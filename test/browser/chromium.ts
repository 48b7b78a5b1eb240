/**
 * The headless Chromium the browser tests drive (see test/helpers/browser.ts, shared with the
 * integration tests). Without it the tests skip, saying why, unless AIRLOCK_REQUIRE_CHROMIUM=1
 * makes that a failure.
 */
import fs from 'node:fs';
import type { TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from '../helpers/browser.ts';

export { CHROMIUM_PATH };

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  if (fs.existsSync(CHROMIUM_PATH)) return undefined;
  return `${CHROMIUM_PATH} not found (apt-get install -y chromium)`;
}

/** Launches Chromium, or skips the test with the reason (fails instead under AIRLOCK_REQUIRE_CHROMIUM=1). */
export async function launchChromiumOrSkip(t: TestContext): Promise<Browser | undefined> {
  const missing = chromiumMissing();
  if (missing) {
    if (process.env.AIRLOCK_REQUIRE_CHROMIUM === '1') throw new Error(`AIRLOCK_REQUIRE_CHROMIUM=1 but ${missing}`);
    process.stdout.write(`# browser test skipped: ${missing}\n`);
    t.skip(`browser test skipped: ${missing}`);
    return undefined;
  }
  return launchChromium();
}
