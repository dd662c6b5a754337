import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, headless and quiet (no updates, sync or background traffic), for the dashboard's browser tests. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
