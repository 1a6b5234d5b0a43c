import { chromium, type Browser } from 'playwright-core';
import { requireBinary } from '@scaleout/infra';

/** Flags for Debian's Chromium in CI: headless, no sandbox (root, containers), nothing phoning home. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches the system Chromium (`/usr/bin/chromium` from the Debian package `chromium`, or
 * `CHROMIUM_PATH`) through playwright-core. When it is missing this throws MissingBinaryError, whose
 * message names the package.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? requireBinary('chromium', 'chromium');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
}
