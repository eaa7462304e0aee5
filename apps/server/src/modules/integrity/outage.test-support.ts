import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import S3rver from 's3rver';
import { freePort } from '../../../test/global-setup.ts';
import { createHandler } from '../../app.ts';
import { type Config, parseConfig } from '../../config/config.ts';
import { createDatabase, type Db } from '../../db/database.ts';
import { startEmbeddedPostgres } from '../../db/embedded-postgres.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { JobQueue } from '../../jobs/job-queue.ts';
import { startWorkers } from '../../jobs/workers.ts';
import { storageFromConfig } from '../../storage/from-config.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';

/** An S3 server (s3rver) the test can stop and start again on the same port, with the same data. */
export async function startStoppableS3(): Promise<{
  endpoint: string;
  bucket: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  close: () => Promise<void>;
}> {
  const directory = mkdtempSync(path.join(tmpdir(), 's3rver-outage-'));
  const bucket = 'outage-test';
  const port = await freePort();
  let server: S3rver | null = null;
  const start = async () => {
    server = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    });
    await server.run();
  };
  const stop = async () => {
    await server?.close();
    server = null;
  };
  await start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A PostgreSQL of the test's own (the shared one serves every other test file, so it must never be
 * stopped): stop() and start() keep the data, as a restart of the database server does.
 */
export async function startOwnPostgres() {
  const root = mkdtempSync(path.join(tmpdir(), 'avatar-outage-pg-'));
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  let running = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  return {
    url: running.url,
    stop: () => running.stop(),
    start: async () => {
      running = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    },
    close: async () => {
      await running.stop().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface OutageApp {
  baseUrl: string;
  config: Config;
  db: Db;
  storage: AssetStorage;
  jobs: JobQueue;
  close: () => Promise<void>;
}

/** The whole app on a database URL of the test's choosing, as `startTestApp` builds it on the shared one. */
export async function startAppOn(
  databaseUrl: string,
  env: Record<string, string> = {},
  options: { workers?: boolean } = {},
): Promise<OutageApp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const assetsDir = mkdtempSync(path.join(tmpdir(), 'avatar-outage-assets-'));
  const config = parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: baseUrl,
    ASSET_STORAGE_MODE: 'local',
    LOCAL_ASSETS_PATH: assetsDir,
    ...env,
  });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const db = createDatabase({ url: databaseUrl, poolMax: 5 });
  await migrateToLatest(db);
  const storage = storageFromConfig(config);
  const jobs = await JobQueue.start({ connectionString: databaseUrl, logger, pollingIntervalSeconds: 0.5 });
  const deps = { config, db, logger, storage, jobs };
  if (options.workers) await startWorkers(deps);
  server.on('request', createHandler(deps));
  return {
    baseUrl,
    config,
    db,
    storage,
    jobs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.stop().catch(() => {});
      await db.destroy();
      rmSync(assetsDir, { recursive: true, force: true });
    },
  };
}
