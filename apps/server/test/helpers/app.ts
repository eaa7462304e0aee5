import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHandler } from '../../src/app.ts';
import { type Config, parseConfig } from '../../src/config/config.ts';
import { ChangeFeed } from '../../src/db/change-feed.ts';
import { createDatabase } from '../../src/db/database.ts';
import { createLogger } from '../../src/http/logger.ts';
import { JobQueue } from '../../src/jobs/job-queue.ts';
import { startWorkers } from '../../src/jobs/workers.ts';
import * as auth from '../../src/modules/auth/auth.service.ts';
import { type RenderHost, renderHostFromConfig } from '../../src/modules/render/render.host.ts';
import { storageFromConfig } from '../../src/storage/from-config.ts';
import type { AssetStorage } from '../../src/storage/storage.types.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp {
  baseUrl: string;
  config: Config;
  database: TestDatabase;
  storage: AssetStorage;
  jobs: JobQueue;
  /** The render service, when asked for (`options.render`). */
  render: RenderHost | undefined;
  /** The app's change feed (in-memory caches are used only while it is live). */
  changes: ChangeFeed;
  /** Creates a user and logs in over HTTP; answers the bearer token and the login body. */
  userWithToken: (
    role: 'player' | 'admin',
    email?: string,
  ) => Promise<{ token: string; email: string; id: string }>;
  close: () => Promise<void>;
}

export const TEST_PASSWORD = 'correct horse battery';

/** The real app on an ephemeral port against a fresh database; always close it in afterAll. */
export interface TestAppOptions {
  /** Run the background job handlers in this process, as the API does by default. */
  workers?: boolean;
  /** Receives every JSON log line (at LOG_LEVEL from env, default silent). */
  logLines?: string[];
  /** Give the app a render service (real Chromium, started on first use), as the runtime does. */
  render?: boolean;
}

export async function startTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  // Listen first: the local storage driver signs URLs with the app's own origin.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const assetsDir = mkdtempSync(path.join(tmpdir(), 'avatar-test-assets-'));
  const config = parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    ASSET_STORAGE_MODE: 'local',
    LOCAL_ASSETS_PATH: assetsDir,
    ...env,
  });
  const lines = options.logLines;
  const logger = createLogger(
    config.LOG_LEVEL,
    lines ? { write: (line: string) => void lines.push(line) } : undefined,
  );
  // A test may point the app at another database (an unreachable one, say) than the one it gets to inspect.
  const pool = env.DATABASE_URL ? createDatabase({ url: config.DATABASE_URL, poolMax: 2 }) : database.db;
  const changes = new ChangeFeed(config.DATABASE_URL, logger);
  changes.start();
  const db = pool.withPlugin(changes.localWrites());
  const storage = storageFromConfig(config);
  const jobs = await JobQueue.start({ connectionString: database.url, logger, pollingIntervalSeconds: 0.5 });
  const render = options.render ? renderHostFromConfig(config, storage, logger) : undefined;
  const deps = { config, db, logger, storage, jobs, changes, ...(render ? { render } : {}) };
  if (options.workers) await startWorkers(deps);
  server.on('request', createHandler(deps));
  let counter = 0;
  return {
    baseUrl,
    config,
    // The test's own writes are this process's writes: the app's in-memory caches hear of them at once.
    database: { ...database, db: database.db.withPlugin(changes.localWrites()) },
    storage,
    jobs,
    render,
    changes,
    async userWithToken(role, email = `${role}${++counter}-${Date.now()}@example.test`) {
      const user = await auth.createUser(
        { config, db: database.db },
        { email, password: TEST_PASSWORD, role },
      );
      const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: TEST_PASSWORD }),
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { token: string };
      return { token: body.token, email, id: user.id };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.stop();
      await render?.close();
      await changes.stop();
      if (pool !== database.db) await pool.destroy();
      await database.drop();
      rmSync(assetsDir, { recursive: true, force: true });
    },
  };
}
