import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { createHandler } from './app.ts';
import type { Config } from './config/config.ts';
import type { Db } from './db/database.ts';
import { startWorkers } from './jobs/workers.ts';
import { createRuntime } from './runtime.ts';

export interface RunningServer {
  url: string;
  server: Server;
  db: Db;
  logger: Logger;
  shutdown: (signal: string) => Promise<void>;
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
  const deps = await createRuntime(config);
  const { logger, db } = deps;
  if (config.RUN_WORKERS) {
    const names = await startWorkers(deps);
    logger.info({ jobs: names }, 'workers started');
  }

  let shuttingDown = false;
  const server = createServer();
  const web = config.WEB_DEV ? await createWebDevMiddleware(server) : null;
  server.on(
    'request',
    createHandler(deps, { webMiddleware: web?.middleware, isShuttingDown: () => shuttingDown }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}/`;

  /** Stop accepting, let in-flight requests finish (bounded), then close pools. Called twice, waits once. */
  let stopped: Promise<void> | null = null;
  function shutdown(signal: string): Promise<void> {
    stopped ??= drain(signal);
    return stopped;
  }
  async function drain(signal: string): Promise<void> {
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
    await closed;
    clearTimeout(timer);
    await web?.close();
    await deps.close();
    logger.info('shutdown complete');
  }

  return { url, server, db, logger, shutdown };
}
