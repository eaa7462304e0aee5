import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { createHttpLogger } from './logger.ts';
import type { createMetrics } from './metrics.ts';
import { isSecure, securityHeaders } from './security.ts';

type Trust = (address: string, hop: number) => boolean;

const BEGUN = Symbol('request prelude done');
type Marked = IncomingMessage & { [BEGUN]?: true };

export interface Prelude {
  /** Runs once per request, whichever path answers it; `trust` is Express's compiled `trust proxy`. */
  begin(req: IncomingMessage, res: ServerResponse, trust: Trust): void;
  /** The same as Express's first middleware, skipped for a request `begin` already saw. */
  middleware: RequestHandler;
  metrics: ReturnType<typeof createMetrics>;
}

/**
 * What every request gets before anything answers it: its id and its log line, its metrics, the security
 * headers. One function for both ways in (Express, and the hot reads served before it), so a request
 * that starts on one and is handed to the other is counted, logged and given its headers exactly once.
 */
export function createPrelude(
  config: Config,
  logger: Logger,
  metrics: ReturnType<typeof createMetrics>,
): Prelude {
  const log = createHttpLogger(logger);
  const secureHeaders = securityHeaders(config);
  const begin = (req: Marked, res: ServerResponse, trust: Trust) => {
    if (req[BEGUN]) return;
    req[BEGUN] = true;
    log(req, res);
    metrics.observe(req, res);
    secureHeaders(res, isSecure(req, trust));
  };
  return {
    begin,
    middleware: (req, res, next) => {
      begin(req, res, req.app.get('trust proxy fn'));
      next();
    },
    metrics,
  };
}
