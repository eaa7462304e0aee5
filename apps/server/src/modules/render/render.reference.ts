import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './render.browser.ts';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * The render benchmark's reference, in the same Chromium with the same flags as the pool: launching it
 * and opening a blank page (against the pool's cold start), and a blank page's PNG screenshot at
 * 256x256 and 1024x1024 (against a render at that size: what any headless-browser image costs).
 */
export async function measureBlankPageReference(
  chromiumPath: string,
  options: { runs: number; warmup: number; coldStarts: number },
): Promise<{ launchMs: number; screenshot: Record<256 | 1024, number> }> {
  const launchTimes: number[] = [];
  for (let i = 0; i < options.coldStarts; i++) {
    let close: () => Promise<void> = async () => {};
    launchTimes.push(
      await timed(async () => {
        const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
        close = () => browser.close();
        const page = await browser.newPage();
        await page.goto('about:blank');
      }),
    );
    await close();
  }
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  try {
    const screenshot = { 256: 0, 1024: 0 };
    for (const size of [256, 1024] as const) {
      const page = await browser.newPage({ viewport: { width: size, height: size } });
      await page.setContent('<html><body style="margin:0;background:#fff"></body></html>');
      const times: number[] = [];
      for (let i = 0; i < options.warmup + options.runs; i++) {
        const t = await timed(() => page.screenshot({ type: 'png' }));
        if (i >= options.warmup) times.push(t);
      }
      screenshot[size] = median(times);
      await page.close();
    }
    return { launchMs: median(launchTimes), screenshot };
  } finally {
    await browser.close();
  }
}
