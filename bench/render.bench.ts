/**
 * The render service (issue 5): warm-pool thumbnail (256x256 PNG) median per fixture, the 1024x1024 PNG
 * median, renders per second with the pool full, the pool's cold start, and Chromium's memory over a long
 * run (300 renders; the memory check of issue 5 lives here, too slow for `make test`). Each figure is
 * also given as a ratio against a reference measured in the same run, in the same Chromium binary with
 * the same flags: a screenshot of a blank page at the same size (what any headless-browser image costs),
 * and, for the cold start, launching that browser and opening a blank page.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RenderHost } from '../apps/server/src/modules/render/render.host.ts';
import { defaultWebDist } from '../apps/server/src/modules/render/render.origin.ts';
import { measureBlankPageReference } from '../apps/server/src/modules/render/render.reference.ts';
import { LocalDriver } from '../apps/server/src/storage/local.driver.ts';
import { FIXTURES } from '../packages/asset-core/test/fixtures-dir.ts';
import type { BenchContext, Benchmark } from './benchmark.ts';
import { createTeardown } from './harness.ts';

const NAMES = ['Box', 'CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'] as const;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TARGETS = { thumbnailMs: 150, largeMs: 500, coldStartMs: 3_000, memoryGrowth: 0.2 };

interface Options {
  runs: number;
  warmup: number;
  throughputJobs: number;
  coldStarts: number;
  memoryRenders: number;
}
const DEFAULTS: Options = { runs: 15, warmup: 3, throughputJobs: 40, coldStarts: 3, memoryRenders: 300 };
const QUICK: Options = { runs: 3, warmup: 1, throughputJobs: 8, coldStarts: 1, memoryRenders: 40 };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};
const ms = (n: number) => `${Math.round(n)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function run({ quick, log }: BenchContext): Promise<string> {
  const options = quick ? QUICK : DEFAULTS;
  const teardown = createTeardown(log);
  const root = mkdtempSync(path.join(tmpdir(), 'avatar-render-bench-'));
  teardown.defer('remove storage', () => rmSync(root, { recursive: true, force: true }));
  try {
    const storage = new LocalDriver({
      root,
      publicBaseUrl: 'http://127.0.0.1:1',
      signingSecret: 'bench-secret-0123456789',
    });
    for (const name of NAMES)
      await storage.put(
        `assets/bench/fixture/1.0.0/${name}.glb`,
        readFileSync(new URL(`${name}.glb`, FIXTURES)),
        {
          contentType: 'model/gltf-binary',
        },
      );
    const host = (poolSize: number) =>
      new RenderHost({
        storage,
        chromiumPath: CHROMIUM,
        webDist: defaultWebDist(undefined),
        poolSize,
        timeoutMs: 60_000,
        maxQueue: 1_000,
      });

    log('render: reference (blank-page screenshots, bare launch)');
    const reference = await measureBlankPageReference(CHROMIUM, options);

    log('render: cold start');
    const coldStarts: number[] = [];
    // Ready is when jobs are taken; the page still warms up its shaders after that, so the first image
    // (a Box thumbnail asked for at once) is measured too.
    const firstImages: number[] = [];
    for (let i = 0; i < options.coldStarts; i++) {
      const cold = host(1);
      const started = performance.now();
      await cold.start();
      coldStarts.push(performance.now() - started);
      const base = await cold.storedModel({ storageKey: 'assets/bench/fixture/1.0.0/Box.glb', sha256: null });
      await cold.renderImage({ width: 256, height: 256, scene: { base } });
      firstImages.push(performance.now() - started);
      await cold.close();
    }
    const coldStart = median(coldStarts);
    const firstImage = median(firstImages);

    log('render: warm pool, one page');
    const warm = host(1);
    teardown.defer('close the warm pool', () => warm.close());
    await warm.start();
    const model = (name: string) =>
      warm.storedModel({ storageKey: `assets/bench/fixture/1.0.0/${name}.glb`, sha256: null });
    const rows: Array<{ name: string; thumb: number; large: number }> = [];
    for (const name of NAMES) {
      const base = await model(name);
      const medianOf = async (size: number) => {
        const times: number[] = [];
        for (let i = 0; i < options.warmup + options.runs; i++) {
          const image = await warm.renderImage({ width: size, height: size, scene: { base } });
          if (i >= options.warmup) times.push(image.timings.totalMs);
        }
        return median(times);
      };
      rows.push({ name, thumb: await medianOf(256), large: await medianOf(1024) });
      log(`render: ${name} done`);
    }
    await warm.close();

    log('render: throughput with the pool full');
    const poolSize = 2;
    const full = host(poolSize);
    teardown.defer('close the full pool', () => full.close());
    await full.start();
    const bases = await Promise.all(
      NAMES.map((name) =>
        full.storedModel({ storageKey: `assets/bench/fixture/1.0.0/${name}.glb`, sha256: null }),
      ),
    );
    const jobs = (n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          full.renderImage({ width: 256, height: 256, scene: { base: bases[i % bases.length] } }),
        ),
      );
    await jobs(poolSize * 2); // warm both pages
    const throughputMs = await timed(() => jobs(options.throughputJobs));
    const perSecond = options.throughputJobs / (throughputMs / 1000);

    log(`render: memory over ${options.memoryRenders} renders`);
    const samples: Array<{ at: number; mb: number | null }> = [];
    for (let i = 1; i <= options.memoryRenders; i++) {
      await full.renderImage({ width: 256, height: 256, scene: { base: bases[i % bases.length] } });
      if (i === 20 || i === options.memoryRenders || i % 50 === 0)
        samples.push({ at: i, mb: await full.memoryMb() });
    }
    const replaced = full.status().pool?.pagesReplaced ?? 0;
    await full.close();
    const after20 = samples.find((s) => s.at === 20)?.mb ?? null;
    const atEnd = samples.at(-1)?.mb ?? null;
    const growth = after20 && atEnd ? atEnd / after20 - 1 : null;

    const thumbMedian = median(rows.map((r) => r.thumb));
    const largeMedian = median(rows.map((r) => r.large));
    const lines = [
      '## Render service (headless Chromium, SwiftShader)',
      '',
      `Reference, same Chromium and flags: a blank page's PNG screenshot ${ms(reference.screenshot[256]!)} at 256x256, ` +
        `${ms(reference.screenshot[1024]!)} at 1024x1024; launch + blank page ${ms(reference.launchMs)}. ` +
        `Medians of ${options.runs} runs after ${options.warmup} warm-up runs; a render's time is queue + load + draw + encode.`,
      '',
      '| fixture | 256x256 PNG | vs blank 256 | 1024x1024 PNG | vs blank 1024 |',
      '|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${ms(r.thumb)} | ${ratio(r.thumb, reference.screenshot[256]!)} | ${ms(r.large)} | ${ratio(r.large, reference.screenshot[1024]!)} |`,
      ),
      '',
      '| figure | measured | vs reference | target | |',
      '|---|---|---|---|---|',
      `| thumbnail median (all fixtures), warm page | ${ms(thumbMedian)} | ${ratio(thumbMedian, reference.screenshot[256]!)} | < ${TARGETS.thumbnailMs} ms | ${verdict(Math.max(...rows.map((r) => r.thumb)) < TARGETS.thumbnailMs)} (worst fixture) |`,
      `| 1024x1024 PNG median (all fixtures) | ${ms(largeMedian)} | ${ratio(largeMedian, reference.screenshot[1024]!)} | < ${TARGETS.largeMs} ms | ${verdict(Math.max(...rows.map((r) => r.large)) < TARGETS.largeMs)} (worst fixture) |`,
      `| cold start (launch + render page ready) | ${ms(coldStart)} | ${ratio(coldStart, reference.launchMs)} | < ${TARGETS.coldStartMs} ms | ${verdict(coldStart < TARGETS.coldStartMs)} |`,
      `| first thumbnail after cold start (launch to image, Box) | ${ms(firstImage)} | ${ratio(firstImage, reference.launchMs)} | | |`,
      `| renders/s, pool of ${poolSize} full (${options.throughputJobs} thumbnails) | ${perSecond.toFixed(1)} | ${ratio(1000 / perSecond, reference.screenshot[256]!)} per image | | |`,
      `| Chromium memory (PSS): after 20 renders / after ${options.memoryRenders} | ${after20?.toFixed(0) ?? '?'} MiB / ${atEnd?.toFixed(0) ?? '?'} MiB (${growth === null ? '?' : `${(growth * 100).toFixed(0)}%`}; ${replaced} pages recycled) | | within ${TARGETS.memoryGrowth * 100}% | ${growth === null ? 'unknown' : verdict(growth <= TARGETS.memoryGrowth)} |`,
      '',
      `Memory samples: ${samples.map((s) => `${s.at}: ${s.mb?.toFixed(0) ?? '?'} MiB`).join(', ')}.`,
    ];
    return lines.join('\n');
  } finally {
    await teardown.run();
  }
}

export const renderBenchmark: Benchmark = { name: 'render', run };
