import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../apps/server/src/config/config.ts';
import { createDatabase } from '../apps/server/src/db/database.ts';
import { startEmbeddedPostgres } from '../apps/server/src/db/embedded-postgres.ts';
import { migrateToLatest } from '../apps/server/src/db/migrate.ts';
import * as auth from '../apps/server/src/modules/auth/auth.service.ts';
import { loadDecoders } from '../apps/server/src/modules/uploads/codecs.ts';
import { storageFromConfig } from '../apps/server/src/storage/from-config.ts';
import { countDrawCalls, readGlb } from '../packages/asset-core/src/index.ts';
import type { BenchContext, Benchmark } from './benchmark.ts';
import { createTeardown, freePort, signIn } from './harness.ts';
import { seedAvatarAssets } from './seed-avatar.ts';
import { startServerProcess } from './server-process.ts';

/** RobotExpressive (skinned, morph targets, 14 animations) with Box hair, the knight as a top and a Box hat. */
const AVATAR = {
  base: { fixture: 'RobotExpressive', type: 'base_model', category: 'robot' },
  parts: [
    { slot: 'hair', fixture: 'Box', type: 'hair', category: 'short' },
    { slot: 'top', fixture: 'chr_knight', type: 'top', category: 'fantasy' },
    { slot: 'accessory', fixture: 'Box', type: 'accessory', category: 'headwear' },
  ],
} as const;

const VARIANTS = [
  { name: 'default', query: '' },
  {
    name: 'lod=2&textureAtlas=1024&meshCompression=meshopt',
    query: 'lod=2&textureAtlas=1024&meshCompression=meshopt',
  },
] as const;

/** A cache hit within 1.5x of a static file of the same size served from storage. */
const TARGET_HIT_RATIO = 1.5;

const ms = (n: number) => `${n < 10 ? n.toFixed(2) : Math.round(n)} ms`;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

interface LoadResult {
  requests: number;
  p50: number;
  p95: number;
  errors: number;
}

/**
 * Closed-loop load: `connections` keep-alive clients, each asking again as soon as the whole body has
 * arrived. Latency is request to last byte (autocannon counts these multi-hundred-KB bodies as errors
 * when a run ends mid-body, and times to first byte only).
 */
async function closedLoop(
  origin: string,
  route: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      get(`${origin}${route}`, { agent }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - started);
          else errors++;
          resolve();
        });
        res.on('error', () => {
          errors++;
          resolve();
        });
      }).on('error', () => {
        errors++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
  return { requests: sorted.length, p50: at(0.5), p95: at(0.95), errors };
}

export async function runDeliveryBench({ quick, log }: BenchContext): Promise<string> {
  const coldRuns = quick ? 2 : 6;
  const loadSeconds = quick ? 2 : 8;
  const rounds = quick ? 1 : 2;
  const teardown = createTeardown(log);
  try {
    const root = mkdtempSync(path.join(tmpdir(), 'avatar-delivery-bench-'));
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
      EXPORT_RATE_LIMIT: '1000000',
    };
    const config = parseConfig(env);
    const db = createDatabase({ url: config.DATABASE_URL, poolMax: 2 });
    teardown.defer('close database pool', () => db.destroy());
    await migrateToLatest(db);
    const storage = storageFromConfig(config);

    log('seeding the avatar');
    const password = 'bench-password-0123';
    await auth.createUser({ config, db }, { email: 'delivery@bench.test', password, role: 'player' });
    const seeded = await seedAvatarAssets(storage, db, AVATAR);

    log('starting the server process');
    const server = await startServerProcess(env);
    teardown.defer('stop server', () => server.stop());
    const token = await signIn(origin, 'delivery@bench.test', password);
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
    let colour = 0;
    // A new colour is a new config content, so the next request for any variant is a cold build.
    const changeConfig = () =>
      call('PUT', '/api/v1/character/config', {
        modelAssetId: seeded.base,
        parts: { hair: seeded.hair, top: seeded.top, accessories: [seeded.accessory] },
        colors: { Main: `#${(0x102030 + ++colour).toString(16).padStart(6, '0')}` },
      });
    await changeConfig();
    const info = await call('GET', '/api/v1/character/delivery');
    const base = new URL(String(info.url)).pathname;
    const pathFor = (query: string) => (query ? `${base}?${query}` : base);
    const fetchBytes = async (route: string) => {
      const res = await fetch(`${origin}${route}`);
      if (res.status !== 200) throw new Error(`GET ${route}: ${res.status} ${await res.text()}`);
      return { cache: res.headers.get('x-cache'), bytes: new Uint8Array(await res.arrayBuffer()) };
    };

    // 1. Cold builds, interleaved with the export pipeline's sync GLB export of the same avatar.
    log('cold builds vs sync export');
    const cold: Record<string, number[]> = {};
    const exportRuns: number[] = [];
    await fetchBytes(pathFor('')); // warm the codecs
    await call('POST', '/api/v1/avatar/export', { format: 'glb', quality: 'medium' });
    for (let i = 0; i < coldRuns; i++) {
      await changeConfig();
      for (const variant of VARIANTS) {
        const run = await timed(() => fetchBytes(pathFor(variant.query)));
        if (run.value.cache !== 'MISS') throw new Error(`expected a miss, got ${run.value.cache}`);
        cold[variant.name] = [...(cold[variant.name] ?? []), run.ms];
      }
      exportRuns.push(
        (await timed(() => call('POST', '/api/v1/avatar/export', { format: 'glb', quality: 'medium' }))).ms,
      );
    }

    // 2. What each variant is: bytes and draw calls, read back.
    const { dependencies } = await loadDecoders();
    const outputs: Record<string, { bytes: number; drawCalls: number; route: string; body: Uint8Array }> = {};
    for (const variant of VARIANTS) {
      const route = pathFor(variant.query);
      const { bytes } = await fetchBytes(route);
      const document = await readGlb(bytes, { dependencies });
      outputs[variant.name] = {
        bytes: bytes.byteLength,
        drawCalls: countDrawCalls(document),
        route,
        body: bytes,
      };
    }

    // 3. Hits under 32 connections vs the same bytes as a static file through `/files`, interleaved.
    log('cache hits vs static files under 32 connections');
    const hits: Record<string, { delivery: LoadResult[]; files: LoadResult[] }> = {};
    for (const variant of VARIANTS) {
      const output = outputs[variant.name]!;
      const key = `exports/bench/${randomUUID()}.glb`;
      await storage.put(key, Buffer.from(output.body), { contentType: 'model/gltf-binary' });
      const signed = new URL(await storage.url(key, { expiresInSeconds: 3600 }));
      const filesPath = `${signed.pathname}${signed.search}`;
      const entry = { delivery: [] as LoadResult[], files: [] as LoadResult[] };
      for (let r = 0; r < rounds; r++) {
        for (const [which, route] of [
          ['delivery', output.route],
          ['files', filesPath],
        ] as const) {
          const result = await closedLoop(origin, route, 32, loadSeconds);
          if (result.errors > 0) throw new Error(`${which} load had ${result.errors} failed requests`);
          entry[which].push(result);
        }
      }
      hits[variant.name] = entry;
    }

    const rows = VARIANTS.map((variant) => {
      const h = hits[variant.name]!;
      const p50 = median(h.delivery.map((r) => r.p50));
      const p95 = median(h.delivery.map((r) => r.p95));
      const f50 = median(h.files.map((r) => r.p50));
      const f95 = median(h.files.map((r) => r.p95));
      const ratio = p50 / f50;
      const o = outputs[variant.name]!;
      return {
        line: `| \`${variant.name}\` | ${kb(o.bytes)} | ${o.drawCalls} | ${ms(median(cold[variant.name]!))} | ${ms(p50)} / ${ms(p95)} | ${ms(f50)} / ${ms(f95)} | ${ratio.toFixed(2)}x (p95 ${(p95 / f95).toFixed(2)}x) | ${ratio <= TARGET_HIT_RATIO ? 'PASS' : '**FAIL**'} |`,
      };
    });
    return [
      `## Delivery URLs: \`GET /avatars/{id}.glb\`${quick ? ' (BENCH_QUICK: smoke run, figures not meaningful)' : ''}`,
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; embedded PostgreSQL, local-disk storage, the server in its own process (NODE_ENV=production). Avatar: RobotExpressive + Box hair + chr_knight top + Box hat. Cold build: median of ${coldRuns} runs, each after a config change (a new cache key). Hits: ${rounds} interleaved round(s) of ${loadSeconds} s at 32 keep-alive connections on loopback, the delivery URL against the same bytes stored as a file and served by \`/files\` (signed URL), medians of rounds.`,
      '',
      '| parameters | bytes | draw calls | cold build (median) | hit p50 / p95 | static file p50 / p95 | hit ÷ static (p50) | target ≤ 1.5x |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map((r) => r.line),
      '',
      `Reference for a miss: the export pipeline's sync GLB export (medium) of the same avatar, interleaved with the cold builds: median ${ms(median(exportRuns))}; a default-parameter miss took ${(median(cold.default!) / median(exportRuns)).toFixed(2)}x that.`,
      '',
    ].join('\n');
  } finally {
    await teardown.run();
  }
}

export const deliveryBenchmark: Benchmark = { name: 'delivery', run: (context) => runDeliveryBench(context) };
