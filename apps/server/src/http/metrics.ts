import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * One registry per app instance (tests build several apps in one process). `include`: registries of
 * process-wide metrics (exports) that this app's `/metrics` shows too.
 */
export function createMetrics(options: { include?: Registry[] } = {}) {
  const own = new Registry();
  collectDefaultMetrics({ register: own });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [own],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [own],
  });

  // Label by the route pattern, never the raw URL: ids in paths would make labels unbounded.
  const routeOf = (path: string): string => {
    if (path.startsWith('/trpc/')) return `/trpc/${path.slice(6).split(',')[0]}`;
    if (path.startsWith('/files/')) return '/files';
    if (path.startsWith('/assets/') || path.startsWith('/@') || path.startsWith('/src/')) return 'static';
    return path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, ':id');
  };

  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const route = res.statusCode === 404 ? 'unmatched' : routeOf(req.path);
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  };

  // Merged last: the merge copies the metrics registered so far (the ones above and the included ones).
  const registry = options.include?.length ? Registry.merge([own, ...options.include]) : own;
  return { registry, middleware };
}
