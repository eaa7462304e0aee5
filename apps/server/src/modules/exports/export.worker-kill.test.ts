import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import PgBoss from 'pg-boss';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { startWorkers } from '../../jobs/workers.ts';
import { api, seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { exportMetricsRegistry } from './export-metrics.ts';
import * as repo from './exports.repository.ts';
import { waitForExport } from './exports.test-support.ts';

async function until(condition: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function completedCount(): Promise<number> {
  const metric = await exportMetricsRegistry.getSingleMetric('avatar_exports_total')!.get();
  return metric.values.filter((v) => v.labels.status === 'completed').reduce((sum, v) => sum + v.value, 0);
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const child = new URL('./worker-kill.child.ts', import.meta.url);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({}, { workers: false }); // only the child works, until the test says otherwise
});
afterAll(() => app?.close());

describe('a worker killed mid-job', () => {
  it('leaves the job to be picked up again after its lease expires; it completes once', async () => {
    const { token } = await app.userWithToken('player');
    const call = api(app, token);
    const robot = await seedFixtureAsset(app, 'RobotExpressive', {
      asset_type: 'base_model',
      category: 'robot',
    });
    const hair = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
    await call('PUT', '/api/v1/character/config', { modelAssetId: robot.id, parts: { hair: hair.id } });
    const queued = await json(await call('POST', '/api/v1/avatar/export', { format: 'glb', async: true }));

    const worker = spawn(process.execPath, ['--import', tsxLoader, child.pathname], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: app.database.url,
        SESSION_SECRET: app.config.SESSION_SECRET,
        PUBLIC_URL: app.config.PUBLIC_URL,
        ASSET_STORAGE_MODE: 'local',
        LOCAL_ASSETS_PATH: app.config.LOCAL_ASSETS_PATH,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    worker.stdout.on('data', (d) => {
      output += d;
    });
    worker.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const startedBy = Date.now() + 30_000;
    while (!output.includes('STORING')) {
      if (worker.exitCode !== null || Date.now() > startedBy)
        throw new Error(`the worker did not get going:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    worker.kill('SIGKILL');
    await exited;

    const orphaned = await repo.findExport(app.database.db, queued.id);
    expect(orphaned).toMatchObject({ status: 'processing', attempts: 1 });
    const { rows } = await sql<{ id: string; state: string }>`
      select id, state from pgboss.job where name = 'export.run' and data->>'exportId' = ${queued.id}`.execute(
      app.database.db,
    );
    expect(rows).toEqual([expect.objectContaining({ state: 'active' })]);
    const jobId = rows[0]!.id;

    // The lease (expireInSeconds, 10 minutes in production) runs out now rather than in ten minutes, and
    // pg-boss's maintenance, which expires leases, runs every second rather than every two minutes.
    await sql`update pgboss.job set expire_in = interval '1 second' where id = ${jobId}`.execute(
      app.database.db,
    );
    const maintenance = new PgBoss({
      connectionString: app.database.url,
      maintenanceIntervalSeconds: 1,
      schedule: false,
      migrate: false,
      max: 1,
    });
    maintenance.on('error', () => {});
    await maintenance.start();
    try {
      // Expired and queued for a retry; then maintenance stops, so the retry keeps its lease this time
      // (it inherits the one-second expiry set above).
      await until(async () => (await app.jobs.state('export.run', jobId))?.state === 'retry', 20_000);
    } finally {
      await maintenance.stop({ graceful: false, wait: true });
    }
    const completedBefore = await completedCount();
    // The worker comes back (here: this process starts the handlers).
    await startWorkers({
      config: app.config,
      db: app.database.db,
      storage: app.storage,
      jobs: app.jobs,
      logger: pino({ level: 'silent' }),
    });
    const done = await waitForExport(call, queued.id, ['completed', 'failed'], 40_000);
    expect(done.status).toBe('completed');
    expect(await completedCount()).toBe(completedBefore + 1);
    const row = await repo.findExport(app.database.db, queued.id);
    expect(row).toMatchObject({ status: 'completed', attempts: 2 });
    const objects = (await app.storage.list('exports/')).items.map((i) => i.key);
    expect(objects).toEqual([row!.storage_key]);
    // The queue marks the job done just after the handler has finished the row.
    await until(async () => (await app.jobs.state('export.run', jobId))?.state === 'completed', 10_000);
    // One retry, or two when the retry outran the one-second expiry it inherited (a loaded machine): then
    // pg-boss hands it out again, the lease (job-queue.ts) makes that run wait, and it finds the work done.
    const final = await app.jobs.state('export.run', jobId);
    expect(final?.state).toBe('completed');
    expect(final?.retryCount).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
