import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { type AuthenticatedUser, resolveSession } from '../modules/auth/auth.service.ts';
import type { AssetStorage } from '../storage/storage.types.ts';

/** What every procedure can reach regardless of the request: built once per process (or per test). */
export interface Deps {
  config: Config;
  db: Db;
  logger: Logger;
  storage: AssetStorage;
  jobs: JobQueue;
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
    auth: await resolveSession(deps, req),
  };
}
