import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { ChangeFeed } from '../db/change-feed.ts';
import type { Db } from '../db/database.ts';
import { AppError, toTrpcError } from '../http/errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { type AuthenticatedUser, resolveSession } from '../modules/auth/auth.service.ts';
import type { RenderHost } from '../modules/render/render.host.ts';
import type { AssetStorage } from '../storage/storage.types.ts';

/** What every procedure can reach regardless of the request: built once per process (or per test). */
export interface Deps {
  config: Config;
  db: Db;
  logger: Logger;
  storage: AssetStorage;
  jobs: JobQueue;
  /** Thumbnails, PNG/JPG exports, `POST /api/v1/render`; absent where a process (or test) renders nothing. */
  render?: RenderHost;
  /** Tells in-memory read caches when the database changed; without it nothing is cached in memory. */
  changes?: ChangeFeed;
}

export interface Context extends Deps {
  req: Request;
  res: Response;
  requestId: string;
  log: Logger;
  auth: AuthenticatedUser | null;
}

export async function createContext(deps: Deps, req: Request, res: Response): Promise<Context> {
  const requestId = String(req.id ?? '');
  return {
    ...deps,
    req,
    res,
    requestId,
    log: req.log ?? deps.logger,
    auth: await resolveSession(deps, req).catch((error) => {
      throw classifiedForContext(res, error);
    }),
  };
}

/**
 * A session lookup that fails before any procedure runs (the database down) is classified here as a
 * procedure's error would be (503 + Retry-After, not 500), since no middleware sees it.
 */
function classifiedForContext(res: Response, error: unknown): unknown {
  const mapped = toTrpcError(error);
  if (mapped instanceof AppError && !res.headersSent) {
    for (const [k, v] of Object.entries(mapped.headers)) res.setHeader(k, v);
  }
  return mapped;
}
