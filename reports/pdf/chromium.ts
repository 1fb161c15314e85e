import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Browser, BrowserType } from 'playwright-core';
import { DrillError, errorMessage } from '../../harness/engine/errors.js';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
const INSTALL_HINT = 'apt-get install chromium';

/**
 * The system Chromium: DRDRILL_CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH.
 * drdrill never downloads a browser.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.DRDRILL_CHROMIUM;
  if (chosen) {
    if (isExecutable(chosen)) return chosen;
    throw new DrillError(
      'missing-prerequisite',
      `DRDRILL_CHROMIUM=${chosen} is not an executable file; point it at a Chromium or Chrome binary, or unset it and ${INSTALL_HINT}`,
    );
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean))
    for (const name of CANDIDATES) if (isExecutable(join(dir, name))) return join(dir, name);
  throw new DrillError(
    'missing-prerequisite',
    `--reporter pdf prints the HTML report with headless Chromium, which is not installed: ${INSTALL_HINT} (or set DRDRILL_CHROMIUM to a Chromium or Chrome binary)`,
  );
}

/** Starts headless Chromium; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  let chromium: BrowserType;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new DrillError(
      'missing-prerequisite',
      '--reporter pdf needs the npm package playwright-core: run "npm install" in the drdrill directory',
    );
  }
  try {
    return await chromium.launch({
      executablePath,
      // Root cannot use Chromium's sandbox; the page it prints is drdrill's own, with a CSP that forbids any request.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
  } catch (err) {
    throw new DrillError(
      'missing-prerequisite',
      `Chromium at ${executablePath} did not start: ${errorMessage(err).split('\n')[0]} (${INSTALL_HINT})`,
    );
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
