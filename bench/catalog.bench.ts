import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type Pg from 'pg';
import { parseConfig } from '../apps/server/src/config/config.ts';
import { createDatabase, type Db } from '../apps/server/src/db/database.ts';
import { startEmbeddedPostgres } from '../apps/server/src/db/embedded-postgres.ts';
import { migrateToLatest } from '../apps/server/src/db/migrate.ts';
import * as auth from '../apps/server/src/modules/auth/auth.service.ts';
import * as catalog from '../apps/server/src/modules/catalog/catalog.service.ts';
import { toTsQuery } from '../apps/server/src/modules/catalog/search-query.ts';
import { storageFromConfig } from '../apps/server/src/storage/from-config.ts';
import { ListCatalogInput, SearchCatalogInput } from '../packages/contracts/src/index.ts';
import type { BenchContext, Benchmark } from './benchmark.ts';
import { broadTerm, catalogEndpoints, type Endpoint, searchTerms, tagFilters } from './catalog/endpoints.ts';
import { captureQueries, explain } from './catalog/explain.ts';
import * as report from './catalog/report.ts';
import { seedCatalog } from './catalog/seed-catalog.ts';
import { createTeardown, freePort, signIn, untilDatabaseIdle } from './harness.ts';
import { runLoad } from './load.ts';
import { cpuMeter } from './process-cpu.ts';
import { pg } from './server-modules.ts';
import { startServerProcess } from './server-process.ts';

export interface CatalogBenchOptions {
  rows: number;
  connections: number;
  /** Measured seconds per endpoint, after `warmupSeconds` whose answers are thrown away. */
  seconds: number;
  warmupSeconds: number;
  /** Seconds of one connection alone per endpoint: the service time, without queueing. */
  aloneSeconds: number;
  /** How many distinct ids get-by-id rotates among. */
  ids: number;
}

export const DEFAULTS: CatalogBenchOptions = {
  rows: 100_000,
  connections: 32,
  seconds: 10,
  warmupSeconds: 2,
  aloneSeconds: 3,
  ids: 1_000,
};
export const QUICK: CatalogBenchOptions = {
  ...DEFAULTS,
  rows: 5_000,
  seconds: 3,
  warmupSeconds: 1,
  aloneSeconds: 1,
};

/** Seeds the catalog, then picks what the load rotates among and counts what each search term matches. */
async function seed(client: Pg.ClientBase, options: CatalogBenchOptions, uploadedBy: string) {
  const seeded = await seedCatalog(client, { rows: options.rows, uploadedBy });
  const { rows } = await client.query<{ id: string }>(
    `select id from asset_catalog where status = 'active' order by md5(id::text) limit $1`,
    [options.ids],
  );
  const matches: { term: string; n: number }[] = [];
  for (const term of [...searchTerms, broadTerm]) {
    const found = await client.query<{ n: number }>(
      `select count(*)::int as n from asset_catalog
       where status = 'active' and search_vector @@ to_tsquery('simple', $1)`,
      [toTsQuery(term)],
    );
    matches.push({ term, n: found.rows[0]!.n });
  }
  return { seeded, ids: rows.map((r) => r.id), matches };
}

async function measure(
  {
    origin,
    headers,
    serverPid,
    client,
    log,
  }: {
    origin: string;
    headers: Record<string, string>;
    serverPid: number;
    client: Pg.ClientBase;
    log: (line: string) => void;
  },
  endpoints: Endpoint[],
  options: CatalogBenchOptions,
): Promise<report.Measured[]> {
  const measured: report.Measured[] = [];
  const cpu = cpuMeter(serverPid);
  for (const endpoint of endpoints) {
    const connections = endpoint.connections ?? options.connections;
    const load = { origin, nextPath: endpoint.nextPath, headers, connections };
    await untilDatabaseIdle(client);
    log(endpoint.name);
    await runLoad({ ...load, seconds: options.warmupSeconds });
    const alone = await runLoad({ ...load, connections: 1, seconds: options.aloneSeconds });
    const before = cpu();
    const result = await runLoad({ ...load, seconds: options.seconds });
    const after = cpu();
    log(
      `  p50 ${result.p50.toFixed(2)} ms, p95 ${result.p95.toFixed(2)} ms, ${result.perSecond.toFixed(0)} req/s`,
    );
    measured.push({ endpoint, result, alone, cpu: report.cpuPerRequest(before, after, result.requests) });
  }
  return measured;
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the exact SQL each call runs: the service functions the server uses,
 * called with the same parsed input, their queries captured from Kysely.
 */
async function explainCalls(
  deps: catalog.CatalogDeps,
  viewer: catalog.Viewer,
  client: Pg.ClientBase,
  id: string,
) {
  const list = (input: Record<string, unknown>) => (db: Db) =>
    catalog.list({ ...deps, db }, viewer, ListCatalogInput.parse(input));
  const search = (q: string) => (db: Db) =>
    catalog.search({ ...deps, db }, viewer, SearchCatalogInput.parse({ q }));
  const toExplain: {
    call: string;
    fn: (db: Db) => Promise<unknown>;
    detailed?: boolean;
    informative?: boolean;
  }[] = [
    { call: 'list', fn: list({}), detailed: true },
    { call: 'filtered list', fn: list({ type: 'hair', category: 'short', sort: 'newest' }), detailed: true },
    ...tagFilters.map((t, i) => ({
      call: `tags filter ${t}`,
      fn: list(Object.fromEntries(new URLSearchParams(t))),
      detailed: i === 0,
    })),
    ...searchTerms.map((t, i) => ({ call: `search "${t}"`, fn: search(t), detailed: i === 0 })),
    { call: `search "${broadTerm}"`, fn: search(broadTerm), detailed: true, informative: true },
    { call: 'get by id', fn: (db: Db) => catalog.get({ ...deps, db }, viewer, id) },
  ];
  const calls: report.ExplainedCall[] = [];
  // One at a time: EXPLAIN ANALYZE shares one connection, and timings should not overlap.
  for (const { call, fn, detailed = false, informative = false } of toExplain) {
    const queries = [];
    for (const query of await captureQueries(deps.db, fn)) queries.push(await explain(client, query));
    calls.push({ call, queries, detailed, informative });
  }
  return calls;
}

export async function runCatalogBench(
  { quick, log }: BenchContext,
  options: CatalogBenchOptions = quick ? QUICK : DEFAULTS,
): Promise<string> {
  const teardown = createTeardown(log);
  try {
    const root = mkdtempSync(path.join(tmpdir(), 'avatar-bench-'));
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
      // As an operator runs it on this machine: one API process per core (BENCH_API_PROCESSES=1 for one).
      API_PROCESSES: process.env.BENCH_API_PROCESSES ?? 'auto',
    };
    const config = parseConfig(env);
    // On Ctrl-C PostgreSQL gets the signal too and closes our connections: say so, don't crash.
    const lost = (error: Error) => log(`database connection lost: ${error.message}`);
    const db = createDatabase({ url: config.DATABASE_URL, poolMax: 2, onPoolError: lost });
    teardown.defer('close database pool', () => db.destroy());
    const client = new pg.Client({ connectionString: config.DATABASE_URL });
    client.on('error', lost);
    await client.connect();
    teardown.defer('close database client', () => client.end());
    await migrateToLatest(db);

    const password = 'bench-password-0123';
    const user = (email: string, role: 'admin' | 'player') =>
      auth.createUser({ config, db }, { email, password, role });
    const admin = await user('admin@bench.test', 'admin');
    const player = await user('player@bench.test', 'player');

    log(`seeding ${options.rows.toLocaleString('en')} catalog rows`);
    const { seeded, ids, matches } = await seed(client, options, admin.id);
    log(`seeded ${seeded.rows} rows (${seeded.keys} keys) in ${seeded.seconds.toFixed(1)} s`);

    log('starting the server');
    const server = await startServerProcess(env);
    teardown.defer('stop the server', () => server.stop());
    const token = await signIn(origin, player.email, password);
    const headers = { authorization: `Bearer ${token}` };
    const loadBefore = loadavg()[0]!;
    const measured = await measure(
      { origin, headers, serverPid: server.pid, client, log },
      catalogEndpoints(ids),
      options,
    );

    const loadAfter = loadavg()[0]!;
    log('explaining the queries of the list, filters, search and get-by-id');
    const deps = { db, storage: storageFromConfig(config), config };
    const calls = await explainCalls(deps, { id: player.id, role: player.role }, client, ids[0]!);
    const { rows: version } = await client.query<{ server_version: string }>('show server_version');

    return report.catalogSection({
      quick,
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown CPU',
        node: process.version,
        postgres: version[0]?.server_version ?? 'unknown',
        loadAverage: [loadBefore, loadAfter],
      },
      setup: { ...options, poolMax: config.DATABASE_POOL_MAX, apiProcesses: config.API_PROCESSES },
      seeded,
      measured,
      matches,
      broadTerm,
      calls,
    });
  } finally {
    await teardown.run();
  }
}

export const catalogBenchmark: Benchmark = { name: 'catalog', run: (context) => runCatalogBench(context) };
