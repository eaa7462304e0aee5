import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseConfig } from '../apps/server/src/config/config.ts';
import { createDatabase } from '../apps/server/src/db/database.ts';
import { startEmbeddedPostgres } from '../apps/server/src/db/embedded-postgres.ts';
import { migrateToLatest } from '../apps/server/src/db/migrate.ts';
import { createLogger } from '../apps/server/src/http/logger.ts';
import * as auth from '../apps/server/src/modules/auth/auth.service.ts';
import * as avatars from '../apps/server/src/modules/avatars/avatars.service.ts';
import { composeExport } from '../apps/server/src/modules/exports/compose-export.ts';
import { converterFor } from '../apps/server/src/modules/exports/converters.ts';
import { storageFromConfig } from '../apps/server/src/storage/from-config.ts';
import { QUALITY_PRESETS } from '../packages/asset-core/src/index.ts';
import { FIXTURES } from '../packages/asset-core/test/fixtures-dir.ts';
import type { BenchContext, Benchmark } from './benchmark.ts';
import { createTeardown, freePort, signIn } from './harness.ts';
import { seedAvatarAssets } from './seed-avatar.ts';
import { startServerProcess } from './server-process.ts';

const GLTF_TRANSFORM_CLI = new URL('../apps/server/node_modules/.bin/gltf-transform', import.meta.url)
  .pathname;
const QUALITIES = ['low', 'medium', 'high'] as const;
type Quality = (typeof QUALITIES)[number];

/** Fox (skinned, 23 joints) with Box hair at its head bone, the knight as a top and a Box hat. */
const AVATAR = {
  base: { fixture: 'Fox', type: 'base_model', category: 'creature' },
  parts: [
    { slot: 'hair', fixture: 'Box', type: 'hair', category: 'short' },
    { slot: 'top', fixture: 'chr_knight', type: 'top', category: 'fantasy' },
    { slot: 'accessory', fixture: 'Box', type: 'accessory', category: 'headwear' },
  ],
} as const;

interface Options {
  /** Measured runs per figure, after `warmup` runs whose timings are thrown away. */
  runs: number;
  warmup: number;
}
const DEFAULTS: Options = { runs: 20, warmup: 3 };
const QUICK: Options = { runs: 4, warmup: 1 };

const TARGETS = { syncMedianMs: 1_000, asyncMedianMs: 3_000 };

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), min: sorted[0] ?? Number.NaN, n: sorted.length };
}
const ms = (n: number) => `${Math.round(n)} ms`;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

async function repeat<T>(options: Options, fn: () => Promise<T>) {
  for (let i = 0; i < options.warmup; i++) await fn();
  const runs: Array<{ ms: number; value: T }> = [];
  for (let i = 0; i < options.runs; i++) runs.push(await timed(fn));
  return runs;
}

export async function runExportBench(
  { quick, log }: BenchContext,
  options: Options = quick ? QUICK : DEFAULTS,
): Promise<string> {
  const teardown = createTeardown(log);
  try {
    const root = mkdtempSync(path.join(tmpdir(), 'avatar-export-bench-'));
    teardown.defer('remove temp dir', () => rmSync(root, { recursive: true, force: true }));
    log('starting embedded PostgreSQL');
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(root, 'pg'),
      port: await freePort(),
      persistent: false,
    });
    teardown.defer('stop PostgreSQL', () => postgres.stop());

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: origin,
      DATABASE_URL: postgres.url,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      ASSET_STORAGE_MODE: 'local',
      LOCAL_ASSETS_PATH: path.join(root, 'assets'),
      // Every run is an export: the limit is for people, not for this benchmark.
      EXPORT_RATE_LIMIT: '1000000',
    };
    const config = parseConfig(env);
    const db = createDatabase({ url: config.DATABASE_URL, poolMax: 2 });
    teardown.defer('close database pool', () => db.destroy());
    await migrateToLatest(db);
    const storage = storageFromConfig(config);
    const logger = createLogger('warn');

    log('seeding the avatar');
    const password = 'bench-password-0123';
    const player = await auth.createUser(
      { config, db },
      { email: 'exporter@bench.test', password, role: 'player' },
    );
    const files = [AVATAR.base, ...AVATAR.parts].map(
      (asset) => new URL(`${asset.fixture}.glb`, FIXTURES).pathname,
    );
    /** Stores the avatar's four files under fresh keys and catalogs them: ids by slot. */
    const seedAvatar = () => seedAvatarAssets(storage, db, AVATAR);
    const seeded = await seedAvatar();

    log('starting the server process (API and workers, as `make start` runs them)');
    const server = await startServerProcess(env);
    teardown.defer('stop server', () => server.stop());
    const token = await signIn(origin, 'exporter@bench.test', password);
    const call = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${origin}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status !== 200) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const wear = (ids: Record<string, string>) =>
      call('PUT', '/api/v1/character/config', {
        modelAssetId: ids.base,
        parts: { hair: ids.hair, top: ids.top, accessories: [ids.accessory] },
        colors: { Material: '#cc6633' },
      });
    await wear(seeded);

    // 1. The pipeline alone, in this process: load from storage, compose, reduce, write, validate.
    log('pipeline in-process');
    const avatar = await avatars.loadForExport({ db, storage }, player.id);
    const converter = converterFor('glb')!;
    const pipeline: Record<Quality, ReturnType<typeof stats> & { bytes: number; triangles: number }> =
      {} as never;
    for (const quality of QUALITIES) {
      const runs = await repeat(options, () =>
        composeExport({ storage, logger }, { avatar, format: 'glb', quality, converter }),
      );
      const last = runs.at(-1)!.value;
      pipeline[quality] = {
        ...stats(runs.map((r) => r.ms)),
        bytes: last.bytes.byteLength,
        triangles: last.triangles,
      };
    }

    // 1b. Every format asset-core writes (GLB, OBJ, FBX, SVG), in-process, interleaved run by run so the
    // machine's drift hits all alike; GLB is the reference (issue 7: each within 3x of it).
    log('formats in-process');
    const fileFormats = (['glb', 'obj', 'fbx', 'svg'] as const).filter((f) => {
      const c = converterFor(f);
      return c !== null && !(c as { needsRender?: boolean }).needsRender;
    });
    const byFormat: Array<{ quality: Quality; format: string; median: number; bytes: number }> = [];
    for (const quality of QUALITIES) {
      const times = new Map<string, number[]>(fileFormats.map((f) => [f, []]));
      const bytes = new Map<string, number>();
      for (let i = 0; i < options.warmup + options.runs; i++) {
        for (const format of fileFormats) {
          const run = await timed(() =>
            composeExport({ storage, logger }, { avatar, format, quality, converter: converterFor(format)! }),
          );
          if (i >= options.warmup) times.get(format)!.push(run.ms);
          bytes.set(format, run.value.bytes.byteLength);
        }
      }
      for (const format of fileFormats) {
        byFormat.push({
          quality,
          format,
          median: stats(times.get(format)!).median,
          bytes: bytes.get(format)!,
        });
      }
    }

    // 2. Sync over HTTP: request to download URL, through the real server process.
    log('sync exports over HTTP');
    const sync: Record<Quality, ReturnType<typeof stats> & { serverMedian: number }> = {} as never;
    for (const quality of QUALITIES) {
      const runs = await repeat(options, () =>
        call('POST', '/api/v1/avatar/export', { format: 'glb', quality }),
      );
      for (const run of runs) {
        if (run.value.status !== 'completed')
          throw new Error(`sync export ended ${String(run.value.status)}`);
      }
      sync[quality] = {
        ...stats(runs.map((r) => r.ms)),
        serverMedian: stats(runs.map((r) => Number(r.value.durationMs))).median,
      };
    }

    // 2b. PNG and JPG through the real server: composed, then drawn by the render service. Issue 7 asks
    // them to stay within the render service's targets (256 px under 150 ms, 1024 px under 500 ms); the
    // whole export (compose, render, encode, store) is held to them here, 512 px to the 1024 px target.
    log('png and jpg exports over HTTP');
    await call('POST', '/api/v1/avatar/export', { format: 'png', quality: 'low' }); // starts the render pool
    const imageTargets: Record<Quality, { px: number; ms: number }> = {
      low: { px: 256, ms: 150 },
      medium: { px: 512, ms: 500 },
      high: { px: 1024, ms: 500 },
    };
    const imageRows: Array<{
      quality: Quality;
      format: string;
      client: ReturnType<typeof stats>;
      server: number;
      bytes: number;
    }> = [];
    for (const quality of QUALITIES) {
      for (const format of ['png', 'jpg'] as const) {
        const runs = await repeat({ runs: options.runs, warmup: options.warmup }, () =>
          call('POST', '/api/v1/avatar/export', { format, quality }),
        );
        for (const run of runs) {
          if (run.value.status !== 'completed')
            throw new Error(`${format} export ended ${String(run.value.status)}`);
        }
        imageRows.push({
          quality,
          format,
          client: stats(runs.map((r) => r.ms)),
          server: stats(runs.map((r) => Number(r.value.durationMs))).median,
          bytes: Number(runs.at(-1)!.value.bytes),
        });
      }
    }

    // 2c. The same low PNG export with files this server process has not read before: a server keeps
    // the parsed files of still images (see still-document-cache.ts), so the figures above are those of
    // a catalog in use; each of these runs pays for reading and parsing all four files.
    log('png exports of files never read before');
    const coldRuns: number[] = [];
    for (let i = 0; i < Math.min(options.runs, 8); i++) {
      await wear(await seedAvatar());
      const run = await call('POST', '/api/v1/avatar/export', { format: 'png', quality: 'low' });
      if (run.status !== 'completed') throw new Error(`png export ended ${String(run.status)}`);
      coldRuns.push(Number(run.durationMs));
    }
    await wear(seeded);
    const cold = stats(coldRuns);

    // 3. Async end to end: request, queue, worker, completed, seen by a client polling every 20 ms.
    log('async exports end to end');
    const asyncRuns = await repeat(options, async () => {
      const queued = await call('POST', '/api/v1/avatar/export', {
        format: 'glb',
        quality: 'medium',
        async: true,
      });
      for (;;) {
        const status = await call('GET', `/api/v1/avatar/export/status?id=${String(queued.id)}`);
        if (status.status === 'completed') return status;
        if (status.status === 'failed') throw new Error('async export failed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    const asyncStats = stats(asyncRuns.map((r) => r.ms));
    const asyncRecorded = stats(
      asyncRuns.map((r) => Date.parse(String(r.value.completedAt)) - Date.parse(String(r.value.createdAt))),
    );

    // 4. Reference: glTF-Transform's CLI merging the same four files (no sockets, colours, reduction or
    // validation): what the plainest merge with the reference tool costs, start-up included.
    log('reference: gltf-transform merge');
    const merged = path.join(root, 'merged.glb');
    const reference = await repeat({ runs: Math.min(options.runs, 5), warmup: 1 }, () =>
      promisify(execFile)(GLTF_TRANSFORM_CLI, ['merge', ...files, merged]),
    );
    const referenceStats = stats(reference.map((r) => r.ms));
    const referenceBytes = statSync(merged).size;

    const verdict = (value: number, target: number) => (value < target ? 'PASS' : '**FAIL**');
    const syncMedium = sync.medium.median;
    return [
      `## Export: a GLB of Fox + three parts${quick ? ' (BENCH_QUICK: smoke run, figures not meaningful)' : ''}`,
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; embedded PostgreSQL, local-disk storage; the server in its own process (NODE_ENV=production, API and job workers together, pg-boss polling every 1 s).`,
      `Avatar: Fox.glb (skinned, 23 joints, 3,552 triangles) with Box.glb as hair at the head bone, chr_knight.glb (1,460 triangles) as a top and Box.glb as a hat: 5,036 triangles, ${kb(files.reduce((sum, f) => sum + statSync(f).size, 0))} of input. ${options.runs} measured runs per figure after ${options.warmup} warm-up runs, one at a time.`,
      '',
      '| target | measured (median) | verdict |',
      '| --- | --- | --- |',
      `| sync GLB export (medium), request to answer with URL, < 1 s | ${ms(syncMedium)} | ${verdict(syncMedium, TARGETS.syncMedianMs)} |`,
      `| async GLB export (medium), request to completed, < 3 s | ${ms(asyncStats.median)} | ${verdict(asyncStats.median, TARGETS.asyncMedianMs)} |`,
      '',
      '### Per quality preset',
      '',
      '| quality | budget | triangles out | GLB size | pipeline in-process (median / p95) | sync over HTTP (median / p95) | server-recorded duration (median) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...QUALITIES.map((q) => {
        const preset = QUALITY_PRESETS[q];
        const p = pipeline[q];
        const s = sync[q];
        return `| ${q} | ${preset.maxTriangles.toLocaleString('en')} tri, ${preset.maxTextureSize} px | ${p.triangles.toLocaleString('en')} | ${kb(p.bytes)} | ${ms(p.median)} / ${ms(p.p95)} | ${ms(s.median)} / ${ms(s.p95)} | ${ms(s.serverMedian)} |`;
      }),
      '',
      '### Per format (in-process: load, compose, reduce, convert; interleaved with GLB, the reference)',
      '',
      '| quality | format | median | output | × GLB time | target (< 3× GLB) |',
      '| --- | --- | --- | --- | --- | --- |',
      ...byFormat.map((row) => {
        const glb = byFormat.find((r) => r.quality === row.quality && r.format === 'glb')!;
        const ratio = row.median / glb.median;
        return `| ${row.quality} | ${row.format.toUpperCase()} | ${ms(row.median)} | ${kb(row.bytes)} | ${ratio.toFixed(2)} | ${verdict(ratio, 3)} |`;
      }),
      '',
      '### PNG and JPG (sync over HTTP: compose, render in headless Chromium, encode, store)',
      '',
      '| quality | format | size | sync over HTTP (median / p95) | server-recorded duration (median) | output | target (render service) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...imageRows.map((row) => {
        const target = imageTargets[row.quality];
        return `| ${row.quality} | ${row.format.toUpperCase()} | ${target.px} px | ${ms(row.client.median)} / ${ms(row.client.p95)} | ${ms(row.server)} | ${kb(row.bytes)} | < ${target.ms} ms: ${verdict(row.server, target.ms)} |`;
      }),
      '',
      `Low PNG with four files the server has not read before (fresh keys each run, ${cold.n} runs): server-recorded median ${ms(cold.median)}, p95 ${ms(cold.p95)}; the table's figures are those of files it has read before (parsed once per process, see \`still-document-cache.ts\`).`,
      '',
      '### Async, end to end (medium)',
      '',
      `Client-observed, request to first "completed" status (polling every 20 ms): median ${ms(asyncStats.median)}, p95 ${ms(asyncStats.p95)}, best ${ms(asyncStats.min)}.`,
      `Server-recorded, created_at to completed_at: median ${ms(asyncRecorded.median)}, p95 ${ms(asyncRecorded.p95)}. Most of the gap to the sync figure is the queue's polling interval (a worker looks for jobs once a second).`,
      '',
      '### Reference tool, same run',
      '',
      `\`gltf-transform merge\` (glTF-Transform CLI 4.5.1) of the same four files into one GLB: median ${ms(referenceStats.median)} per run (a process each time, start-up included), ${kb(referenceBytes)} out (four scenes side by side, nothing attached, reduced or validated). Our sync export at medium quality took ${(syncMedium / referenceStats.median).toFixed(2)}× its time over HTTP, and ${(pipeline.medium.median / referenceStats.median).toFixed(2)}× in-process.`,
      '',
    ].join('\n');
  } finally {
    await teardown.run();
  }
}

export const exportBenchmark: Benchmark = { name: 'export', run: (context) => runExportBench(context) };
