import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import type { Config } from './config/config.ts';
import { createDatabase, type Db } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger } from './http/logger.ts';
import { ensureDevUsers } from './modules/auth/auth.service.ts';
import { storageFromConfig } from './storage/from-config.ts';
import { S3Driver } from './storage/s3.driver.ts';

export interface RunningServer {
  url: string;
  server: Server;
  db: Db;
  logger: Logger;
  shutdown: (signal: string) => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** At start the database may still be booting (docker compose): retry for a while, then give up clearly. */
async function migrateWithRetry(db: Db, logger: Logger, attempts = 30): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const applied = await migrateToLatest(db);
      for (const line of applied) logger.info(line);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= attempts || (code !== 'ECONNREFUSED' && code !== '57P03')) throw error;
      await sleep(1_000);
    }
  }
}

/** Vite in middleware mode: the web app on the API's origin, with hot reload. Development only. */
async function createWebDevMiddleware(
  server: Server,
): Promise<{ middleware: RequestHandler; close: () => Promise<void> }> {
  const { createServer: createVite } = await import('vite');
  const path = await import('node:path');
  const { readFile } = await import('node:fs/promises');
  const root = path.resolve(import.meta.dirname, '../../web');
  const vite = await createVite({
    root,
    configFile: path.join(root, 'vite.config.ts'),
    appType: 'custom',
    server: { middlewareMode: true, hmr: { server } },
  });
  const page: RequestHandler = async (req, res, next) => {
    const isPage =
      req.method === 'GET' && (req.path === '/' || req.path === '/admin' || req.path.startsWith('/admin/'));
    if (!isPage) return next();
    try {
      const html = await vite.transformIndexHtml(
        req.originalUrl,
        await readFile(path.join(root, 'index.html'), 'utf8'),
      );
      res.type('html').send(html);
    } catch (error) {
      next(error);
    }
  };
  const middleware: RequestHandler = (req, res, next) =>
    vite.middlewares(req, res, () => page(req, res, next));
  return { middleware, close: () => vite.close() };
}

export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config.LOG_LEVEL);
  const db = createDatabase({
    url: config.DATABASE_URL,
    poolMax: config.DATABASE_POOL_MAX,
    onPoolError: (error) => logger.warn({ err: error }, 'database connection lost; it will reconnect'),
  });
  await migrateWithRetry(db, logger);
  if (config.NODE_ENV === 'development') {
    for (const email of await ensureDevUsers({ config, db }))
      logger.info({ email }, 'created development user');
  }

  const storage = storageFromConfig(config);
  if (storage instanceof S3Driver) await storage.ensureBucket();

  let shuttingDown = false;
  const server = createServer();
  const web = config.WEB_DEV ? await createWebDevMiddleware(server) : null;
  const app = createApp(
    { config, db, logger, storage },
    { webMiddleware: web?.middleware, isShuttingDown: () => shuttingDown },
  );
  server.on('request', app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}/`;

  /** Stop accepting, let in-flight requests finish (bounded), then close pools. */
  async function shutdown(signal: string): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
    await closed;
    clearTimeout(timer);
    await web?.close();
    await db.destroy();
    logger.info('shutdown complete');
  }

  return { url, server, db, logger, shutdown };
}
