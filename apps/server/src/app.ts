import type { RequestListener } from 'node:http';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express, type RequestHandler } from 'express';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import { createDocsRouter } from './http/docs.route.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { isServerFault, toTrpcError } from './http/errors.ts';
import { createHotReads } from './http/hot-reads.ts';
import { createMetrics } from './http/metrics.ts';
import { createPrelude, type Prelude } from './http/prelude.ts';
import { refuseCrossSite, requireJsonBodies } from './http/security.ts';
import { createStaticWebRouter } from './http/web.route.ts';
import { catalogHotReads } from './modules/catalog/catalog.router.ts';
import { createDeliveryRouter } from './modules/delivery/delivery.route.ts';
import { deliveryMetricsRegistry } from './modules/delivery/delivery-metrics.ts';
import { exportMetricsRegistry } from './modules/exports/export-metrics.ts';
import {
  createHealthRouter,
  databaseCheck,
  type ReadinessCheck,
  renderCheck,
  storageCheck,
} from './modules/health/health.route.ts';
import { createUploadsRouter } from './modules/uploads/uploads.route.ts';
import { createFilesRouter } from './storage/files.route.ts';
import { LocalDriver } from './storage/local.driver.ts';
import { createContext, type Deps } from './trpc/context.ts';
import { appRouter } from './trpc/router.ts';

export interface AppOptions {
  /** Serves the web app in development (Vite's middleware), in place of the built files. */
  webMiddleware?: RequestHandler;
  readinessChecks?: ReadinessCheck[];
  isShuttingDown?: () => boolean;
  /** Shared with the hot reads in front of the app (`createHandler`); a new one otherwise. */
  prelude?: Prelude;
}

/**
 * The server's request listener: the catalog's hot reads answered before Express when they can be
 * (`http/hot-reads.ts`), everything else by the app.
 */
export function createHandler(deps: Deps, options: AppOptions = {}): RequestListener {
  const prelude = options.prelude ?? newPrelude(deps);
  const app = createApp(deps, { ...options, prelude });
  const hot = createHotReads(deps, prelude, () => app.get('trust proxy fn'), Object.values(catalogHotReads));
  return (req, res) => hot(req, res, () => app(req, res));
}

const newPrelude = ({ config, logger }: Deps) =>
  createPrelude(config, logger, createMetrics({ include: [exportMetricsRegistry, deliveryMetricsRegistry] }));

/** Builds the whole HTTP app without listening, so tests can start it on an ephemeral port. */
export function createApp(deps: Deps, options: AppOptions = {}): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);

  const prelude = options.prelude ?? newPrelude(deps);
  const { metrics } = prelude;
  app.use(prelude.middleware);
  app.use(refuseCrossSite(config));

  // Downloads first: GET-only, no body, no session, so none of the layers below has anything to do for them.
  if (deps.storage instanceof LocalDriver) {
    const storage = deps.storage;
    app.use(
      createFilesRouter({ storage, onError: (err, req) => req.log?.error({ err }, 'file serving failed') }),
    );
  }

  // Avatar delivery URLs (`/avatars/{publicId}.glb`): binary, cacheable, outside tRPC.
  app.use(createDeliveryRouter(deps));

  const checks = [
    databaseCheck(deps.db),
    storageCheck(deps.storage),
    renderCheck(deps.render),
    ...(options.readinessChecks ?? []),
  ];
  app.use(createHealthRouter(checks, options.isShuttingDown ?? (() => false)));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.text());
  });

  // Multipart and raw upload bodies stream through their own router, so it goes before the JSON parser.
  app.use(createUploadsRouter(deps));
  app.use(requireJsonBodies());
  app.use(express.json({ limit: config.MAX_JSON_BYTES }));

  // Both adapters hand over Express's own req/res objects, typed as plain node ones.
  const context = ({ req, res }: { req: express.Request; res: unknown }) =>
    createContext(deps, req, res as express.Response);
  const onError = ({ error, req }: { error: unknown; req: express.Request }) => {
    const trpc = toTrpcError(error);
    if (isServerFault(trpc)) req.log?.error({ err: trpc.cause ?? trpc }, 'procedure failed');
  };
  app.use('/trpc', createExpressMiddleware({ router: appRouter, createContext: context, onError }));

  app.use(createDocsRouter());
  const rest = createOpenApiNodeHttpHandler({
    router: appRouter,
    createContext: context,
    onError,
    maxBodySize: config.MAX_JSON_BYTES,
  });
  app.use((req, res, next) => rest(req, res, next));

  if (options.webMiddleware) app.use(options.webMiddleware);
  else if (config.WEB_DIST) {
    const web = createStaticWebRouter(config.WEB_DIST);
    if (web) app.use(web);
    else logger.warn({ dir: config.WEB_DIST }, 'WEB_DIST has no index.html; the web app is not served');
  }

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
