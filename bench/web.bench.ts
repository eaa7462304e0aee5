/**
 * The web app (issue 8), in headless Chromium (SwiftShader) on loopback against the real server serving
 * the built app: navigation to the first frame that draws the player's saved avatar (a base model and
 * three parts at sockets), first on an empty cache, then again in the same browser with its caches and
 * the editor's preloader warm; and the gzipped JavaScript each route loads.
 *
 * The signal is the app's own `performance.mark('avatar:first-frame')` (set by the editor after the first
 * frame drawn with the loaded avatar's meshes ready), read as time since navigation start. Each round is
 * a new Chromium with a fresh profile (empty HTTP cache, empty GPU program cache) and a blank page opened
 * first, as a running browser would be; the player signs in through the API (the session cookie only),
 * so the first visit starts with nothing cached.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../apps/web/e2e/browser.ts';
import type { BenchContext, Benchmark } from './benchmark.ts';
import { createTeardown } from './harness.ts';
import { processTree } from './process-cpu.ts';
import { playwright } from './server-modules.ts';
import { ADMIN, AVATAR, PASSWORD, PLAYER, startWebWorld } from './web-seed.ts';

/**
 * The built app measured; BENCH_WEB_DIST points at another build (say, of the previous commit) to measure
 * a reference on the same machine and load as the current one.
 */
const WEB_DIST = path.join(
  process.env.BENCH_WEB_DIST ?? fileURLToPath(new URL('../apps/web/dist/', import.meta.url)),
  path.sep,
);
const MARK = 'avatar:first-frame';
const TARGETS = { firstFrameMs: 2_000, warmShare: 0.5 };
const VIEWPORT = { width: 1280, height: 860 };

interface Options {
  rounds: number;
}
const DEFAULTS: Options = { rounds: 5 };
const QUICK: Options = { rounds: 1 };

interface Resource {
  name: string;
  start: number;
  end: number;
  transferred: number;
}
interface Visit {
  firstFrameMs: number;
  resources: Resource[];
  /** The app's own `performance.mark`s up to the first frame (apps/web/src/features/editor/load-marks.ts). */
  marks: Array<{ name: string; at: number }>;
  /** Paths of the app's JavaScript files this visit loaded (first frame, then until the network is idle). */
  scripts: string[];
  /** CPU the browser used from navigation to the first frame, in ms (null without /proc). */
  cpu: BrowserCpu | null;
}

/**
 * CPU time of one Chromium's processes, in ms: its GPU process (SwiftShader: shader compilation and
 * rasterization) and the rest (renderer, browser, utilities). Unlike the wall-clock figures it hardly
 * moves with other work on the machine, so it tells what a change saved when the load is noisy.
 */
interface BrowserCpu {
  gpu: number;
  other: number;
}

interface ProcessCpu {
  ms: number;
  gpu: boolean;
}

/** CPU used so far by each process of the Chromium started with `profile` (its user data directory). */
function browserProcesses(profile: string): Map<number, ProcessCpu> | null {
  const tree = processTree((p) => p.command.includes(profile) && !p.command.includes('--type='));
  if (!tree || tree.length === 0) return null;
  return new Map(
    tree.map((p) => [p.pid, { ms: p.ownCpu * 1000, gpu: p.command.includes('--type=gpu-process') }]),
  );
}

/**
 * CPU used between two samples by the processes alive at the second (one started in between counts from
 * zero; one that ended in between, a closed page's renderer, is left out rather than counted negative).
 */
function cpuBetween(before: Map<number, ProcessCpu> | null, after: Map<number, ProcessCpu> | null) {
  if (!before || !after) return null;
  const cpu: BrowserCpu = { gpu: 0, other: 0 };
  for (const [pid, now] of after) {
    const used = now.ms - (before.get(pid)?.ms ?? 0);
    if (now.gpu) cpu.gpu += used;
    else cpu.other += used;
  }
  return cpu;
}

/** The fields read from a `PerformanceResourceTiming` (bench/ type-checks without the DOM library). */
interface ResourceTimingFields {
  name: string;
  startTime: number;
  responseEnd: number;
  transferSize: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};
const ms = (n: number) => `${Math.round(n)} ms`;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

/** A Chromium with a throw-away profile, as the e2e suites launch it, with one blank page already open. */
async function launch(): Promise<{ context: BrowserContext; profile: string; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), 'avatar-web-bench-profile-'));
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORT,
  });
  const blank = context.pages()[0] ?? (await context.newPage());
  await blank.goto('about:blank');
  return {
    context,
    profile,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function signInBrowser(context: BrowserContext, origin: string, email: string): Promise<void> {
  const res = await context.request.post(`${origin}/api/v1/auth/login`, {
    data: { email, password: PASSWORD },
  });
  if (res.status() !== 200) throw new Error(`login as ${email}: ${res.status()} ${await res.text()}`);
}

/** Records the app's own scripts a page loads. */
function watchScripts(page: Page, origin: string): string[] {
  const scripts: string[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.origin === origin && url.pathname.endsWith('.js')) scripts.push(url.pathname);
  });
  return scripts;
}

/** Opens `/` and waits for the avatar's first frame; then lets the page settle (preloader, idle work). */
async function visitEditor(context: BrowserContext, origin: string, profile: string): Promise<Visit> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const scripts = watchScripts(page, origin);
  try {
    const cpuBefore = browserProcesses(profile);
    await page.goto(`${origin}/`, { waitUntil: 'commit' });
    await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, MARK, {
      timeout: 90_000,
      polling: 100,
    });
    const cpu = cpuBetween(cpuBefore, browserProcesses(profile));
    const measured = await page.evaluate((mark) => {
      const entry = performance.getEntriesByName(mark)[0]!;
      const resources = (performance.getEntriesByType('resource') as unknown as ResourceTimingFields[]).map(
        (r) => ({
          name: r.name,
          start: r.startTime,
          end: r.responseEnd,
          transferred: r.transferSize,
        }),
      );
      const marks = performance
        .getEntriesByType('mark')
        .filter((m) => m.startTime <= entry.startTime)
        .map((m) => ({ name: m.name, at: m.startTime }));
      return { firstFrameMs: entry.startTime, resources, marks };
    }, MARK);
    const notices = await page.locator('[data-testid="fallback-notice"]').allTextContents();
    if (notices.length > 0) throw new Error(`the avatar was drawn with fallbacks: ${notices.join(' / ')}`);
    if (errors.length > 0) throw new Error(`page errors: ${errors.join(' / ')}`);
    await page.waitForLoadState('networkidle');
    return { ...measured, scripts: [...new Set(scripts)], cpu };
  } finally {
    await page.close();
  }
}

/** The scripts a route loads until the network is idle, for a signed-in `email` (or signed out). */
async function scriptsOf(origin: string, route: string, email: string | null): Promise<string[]> {
  const browser = await launch();
  try {
    if (email) await signInBrowser(browser.context, origin, email);
    const page = await browser.context.newPage();
    const scripts = watchScripts(page, origin);
    await page.goto(`${origin}${route}`, { waitUntil: 'networkidle' });
    return [...new Set(scripts)];
  } finally {
    await browser.close();
  }
}

interface RouteSize {
  route: string;
  files: number;
  raw: number;
  gzip: number;
  /** The part index.html itself loads (entry and its static imports). */
  withPage: number;
}

function sizeOf(route: string, scripts: string[]): RouteSize {
  const index = readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
  let raw = 0;
  let gzip = 0;
  let withPage = 0;
  for (const script of scripts) {
    const bytes = readFileSync(path.join(WEB_DIST, script));
    const zipped = gzipSync(bytes, { level: 9 }).byteLength;
    raw += bytes.byteLength;
    gzip += zipped;
    if (index.includes(script)) withPage += zipped;
  }
  return { route, files: scripts.length, raw, gzip, withPage };
}

/**
 * The requests of one visit started before its first avatar frame, in start order, for the report: what
 * the frame waited on. A run of script requests in a row (one dynamic import's chunks) is one line. The
 * app's marks (config answered, engine code run, engine started, avatar planned, models loaded) are
 * lines of their own, so the gap from "models loaded" to the first frame reads as shader compilation and
 * the first software-rendered frame.
 */
function waterfall(visit: Visit, origin: string): string[] {
  const label = (name: string) => {
    const url = new URL(name);
    if (url.origin !== origin) return name;
    if (url.pathname.startsWith('/trpc/')) return url.pathname.slice(0, 60);
    return url.pathname
      .replace(/^\/assets\//, '')
      .replace(/-[\w-]{8}\.js$/, '.js')
      .slice(0, 60);
  };
  const rows: Array<{
    label: string;
    start: number;
    end: number;
    bytes: number;
    scripts: number;
    mark?: true;
  }> = [];
  for (const r of [...visit.resources].sort((a, b) => a.start - b.start)) {
    if (r.start >= visit.firstFrameMs) continue;
    const script = new URL(r.name).pathname.endsWith('.js');
    // The app's own steps, between the requests that were started before each.
    for (const m of visit.marks) {
      if (m.name === MARK || m.at > r.start || rows.some((row) => row.mark && row.label === m.name)) continue;
      rows.push({ label: m.name, start: m.at, end: m.at, bytes: 0, scripts: 0, mark: true });
    }
    const last = rows.at(-1);
    if (script && last && last.scripts > 0) {
      last.end = Math.max(last.end, r.end);
      last.bytes += r.transferred;
      last.scripts++;
      continue;
    }
    rows.push({
      label: label(r.name),
      start: r.start,
      end: r.end,
      bytes: r.transferred,
      scripts: script ? 1 : 0,
    });
  }
  for (const m of visit.marks) {
    if (m.name === MARK || rows.some((row) => row.mark && row.label === m.name)) continue;
    rows.push({ label: m.name, start: m.at, end: m.at, bytes: 0, scripts: 0, mark: true });
  }
  return [
    "| request (or _step_, from the app's marks) | start | end | transferred |",
    '|---|---|---|---|',
    ...rows.map((r) => {
      if (r.mark) return `| _${r.label}_ | | ${ms(r.start)} | |`;
      const what = r.scripts > 1 ? `${r.scripts} scripts from \`${r.label}\`` : `\`${r.label}\``;
      return `| ${what} | ${ms(r.start)} | ${ms(r.end)} | ${kb(r.bytes)} |`;
    }),
    `| **first avatar frame** | | ${ms(visit.firstFrameMs)} | |`,
  ];
}

async function run({ quick, log }: BenchContext): Promise<string> {
  const options = quick ? QUICK : DEFAULTS;
  try {
    readFileSync(path.join(WEB_DIST, 'index.html'));
  } catch {
    throw new Error(`${WEB_DIST}index.html is missing: build the web app first (make build-web)`);
  }
  const teardown = createTeardown(log);
  try {
    const world = await startWebWorld(WEB_DIST, teardown, log);
    const { origin } = world;

    const cold: Visit[] = [];
    const warm: Visit[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const browser = await launch();
      try {
        await signInBrowser(browser.context, origin, PLAYER);
        cold.push(await visitEditor(browser.context, origin, browser.profile));
        warm.push(await visitEditor(browser.context, origin, browser.profile));
      } finally {
        await browser.close();
      }
      log(
        `web: round ${round + 1}/${options.rounds}: cold ${ms(cold.at(-1)!.firstFrameMs)}, warm ${ms(warm.at(-1)!.firstFrameMs)}`,
      );
    }
    const coldMs = median(cold.map((v) => v.firstFrameMs));
    const warmMs = median(warm.map((v) => v.firstFrameMs));
    const ratios = cold.map((v, i) => warm[i]!.firstFrameMs / v.firstFrameMs);
    const share = median(ratios);
    const cpuOf = (visits: Visit[], part: keyof BrowserCpu) => {
      const values = visits.flatMap((v) => (v.cpu ? [v.cpu[part]] : []));
      return values.length > 0 ? ms(median(values)) : 'n/a';
    };

    log('web: scripts per route');
    const routes = [
      sizeOf('`/` signed out (sign-in form)', await scriptsOf(origin, '/', null)),
      sizeOf('`/` player (editor, avatar drawn, preloader done)', cold[0]!.scripts),
      sizeOf('`/admin` admin', await scriptsOf(origin, '/admin', ADMIN)),
    ];
    const typical = cold.find((v) => v.firstFrameMs === coldMs) ?? cold[0]!;
    const typicalWarm = warm.find((v) => v.firstFrameMs === warmMs) ?? warm[0]!;

    const parts = AVATAR.parts.map((p) => `${p.fixture} ${p.slot} at \`${world.sockets[p.slot] ?? 'none'}\``);
    return [
      `## Web app: first avatar frame and JavaScript per route${quick ? ' (BENCH_QUICK: smoke run, figures not meaningful)' : ''}`,
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; Chromium (${chromiumPath}, SwiftShader WebGL, no GPU), viewport ${VIEWPORT.width}x${VIEWPORT.height}, loopback; the server in its own process (NODE_ENV=production, local storage, embedded PostgreSQL) serving ${process.env.BENCH_WEB_DIST ?? 'apps/web/dist'}; load average ${loadavg()
        .map((n) => n.toFixed(1))
        .join(
          ' / ',
        )} at the end. Avatar: ${AVATAR.base.fixture} with ${parts.join(', ')}, uploaded through \`POST /resources/upload\` and processed (optimized variants) before measuring. ${options.rounds} round(s), each a fresh Chromium profile: a first visit with empty caches, then a second visit in the same browser (HTTP cache, GPU program cache, preloader run on the first visit). Time = navigation start to \`performance.mark('${MARK}')\`; medians.`,
      '',
      '| figure | measured | target | |',
      '|---|---|---|---|',
      `| first visit: navigation -> first avatar frame | ${ms(coldMs)} (${cold.map((v) => ms(v.firstFrameMs)).join(', ')}) | < ${ms(TARGETS.firstFrameMs)} | ${verdict(coldMs < TARGETS.firstFrameMs)} |`,
      `| second visit, caches warm | ${ms(warmMs)} (${warm.map((v) => ms(v.firstFrameMs)).join(', ')}) | | |`,
      `| second ÷ first (median of rounds) | ${share.toFixed(2)} (${((1 - share) * 100).toFixed(0)}% faster) | ≤ ${TARGETS.warmShare} (at least 50% faster) | ${verdict(share <= TARGETS.warmShare)} |`,
      '',
      "Chromium's CPU time from navigation to the first frame (medians; read from /proc, so it moves little with the machine's load): the GPU process (SwiftShader compiling shaders and rasterizing) and the other processes (renderer, browser).",
      '',
      '| visit | GPU process | other processes |',
      '|---|---|---|',
      `| first | ${cpuOf(cold, 'gpu')} | ${cpuOf(cold, 'other')} |`,
      `| second | ${cpuOf(warm, 'gpu')} | ${cpuOf(warm, 'other')} |`,
      '',
      'JavaScript per route (the files Chromium loaded until the network was idle, read from apps/web/dist and gzipped with node:zlib, level 9):',
      '',
      '| route | files | raw | gzipped | of which index.html loads |',
      '|---|---|---|---|---|',
      ...routes.map((r) => `| ${r.route} | ${r.files} | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.withPage)} |`),
      '',
      `First visit (the median round), requests started before the first avatar frame:`,
      '',
      ...waterfall(typical, origin),
      '',
      `Second visit (the median round):`,
      '',
      ...waterfall(typicalWarm, origin),
    ].join('\n');
  } finally {
    await teardown.run();
  }
}

export const webBenchmark: Benchmark = { name: 'web', run };
