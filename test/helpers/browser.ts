/**
 * A headless Chromium for tests, driven with playwright-core (no downloaded browsers): the
 * system Chromium at /usr/bin/chromium (CI installs it: `apt-get install -y chromium`).
 *
 * Tests that need it pass `{ skip: chromiumSkipReason() }`: without Chromium they are skipped
 * with that reason, unless `AIRLOCK_REQUIRE_CHROMIUM=1`, in which case they run and fail.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Why browser tests are skipped here, or `false` when they run (Chromium present, or required). */
export function chromiumSkipReason(): string | false {
  if (fs.existsSync(CHROMIUM_PATH)) return false;
  if (process.env.AIRLOCK_REQUIRE_CHROMIUM === '1') return false;
  return `no Chromium at ${CHROMIUM_PATH} (install it with: apt-get install -y chromium; set AIRLOCK_REQUIRE_CHROMIUM=1 to fail instead of skipping)`;
}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is required but missing at ${CHROMIUM_PATH}`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
