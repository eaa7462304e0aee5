import type { Config } from './config/config.ts';
import { ChangeFeed } from './db/change-feed.ts';
import { createDatabase, type Db } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger } from './http/logger.ts';
import { JobQueue } from './jobs/job-queue.ts';
import { ensureDevUsers } from './modules/auth/auth.service.ts';
import { renderHostFromConfig } from './modules/render/render.host.ts';
import { storageFromConfig } from './storage/from-config.ts';
import { S3Driver } from './storage/s3.driver.ts';
import type { Deps } from './trpc/context.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** At start the database may still be booting (docker compose): retry for a while, then give up clearly. */
async function migrateWithRetry(db: Db, deps: Pick<Deps, 'logger'>, attempts = 30): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      for (const line of await migrateToLatest(db)) deps.logger.info(line);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= attempts || (code !== 'ECONNREFUSED' && code !== '57P03')) throw error;
      await sleep(1_000);
    }
  }
}

export interface Runtime extends Deps {
  close: () => Promise<void>;
}

/** What the API process and the worker process both stand on: logs, database, storage, job queue. */
export async function createRuntime(config: Config): Promise<Runtime> {
  const logger = createLogger(config.LOG_LEVEL);
  const pool = createDatabase({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    onPoolError: (error) => logger.warn({ err: error }, 'database connection lost; it will reconnect'),
  });
  await migrateWithRetry(pool, { logger });
  const changes = new ChangeFeed(config.DATABASE_URL, logger.child({ module: 'change-feed' }));
  changes.start();
  // This process's own writes reach its caches at once; other processes' through the feed.
  const db = pool.withPlugin(changes.localWrites());
  if (config.NODE_ENV === 'development') {
    for (const email of await ensureDevUsers({ config, db }))
      logger.info({ email }, 'created development user');
  }
  const storage = storageFromConfig(config);
  if (storage instanceof S3Driver) await storage.ensureBucket();
  const jobs = await JobQueue.start({ connectionString: config.DATABASE_URL, logger });
  // Started on first use: the API serves without Chromium, renders then fail with 503.
  const render = renderHostFromConfig(config, storage, logger.child({ module: 'render' }));
  return {
    config,
    logger,
    db,
    storage,
    jobs,
    render,
    changes,
    async close() {
      await jobs.stop();
      await changes.stop();
      await render.close();
      await db.destroy();
    },
  };
}
