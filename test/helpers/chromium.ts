// Where the browser tests find Chromium, and what they do without it: under CI=true (where
// .ci/run installs it) a missing Chromium is an error; elsewhere the suite is skipped with a warning.

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when Chromium is at CHROMIUM; otherwise throws under CI, or warns that `suite` is skipped. */
export function haveChromiumFor(suite: string): boolean {
  const have = existsSync(CHROMIUM);
  if (!have && process.env.CI) throw new Error(`${suite}: no Chromium at ${CHROMIUM}; .ci/run installs it with apt-get install chromium`);
  if (!have) console.warn(`${suite} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return have;
}

/** Headless Chromium at CHROMIUM, with the background services that add noise to a test turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}
