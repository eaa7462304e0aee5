import { existsSync } from 'node:fs';
import { CHROMIUM_ARGS } from '../../server/src/modules/render/render.browser.ts';

/** The system Chromium the browser tests drive, with the render service's own flags. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export { CHROMIUM_ARGS };

// On a developer machine without Chromium the suites are skipped; in CI a missing browser fails them.
export const hasChromium = existsSync(chromiumPath);
export const skip = !hasChromium && process.env.CI !== 'true';
if (skip) console.warn(`web-e2e skipped: no Chromium at ${chromiumPath} (install it or set CHROMIUM_PATH)`);
