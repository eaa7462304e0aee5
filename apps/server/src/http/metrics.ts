import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

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

  /** Counts and times one request once it is answered (called as it arrives). */
  const observe = (req: IncomingMessage, res: ServerResponse): void => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const route = res.statusCode === 404 ? 'unmatched' : routeOf(pathOf(req.originalUrl ?? req.url ?? '/'));
      const method = req.method ?? 'GET';
      requests.inc({ method, route, status: String(res.statusCode) });
      end({ method, route });
    });
  };

  // Merged last: the merge copies the metrics registered so far (the ones above and the included ones).
  const registry = options.include?.length ? Registry.merge([own, ...options.include]) : own;
  // In a process group (cluster.ts) the primary collects this registry from every process.
  if (cluster.isWorker) {
    // Constructing one installs prom-client's answering side in this process (idempotent).
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
  return { registry, observe, text: () => metricsText(registry) };
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const METRICS_REQUEST = 'avatar:metrics-request';
const METRICS_ANSWER = 'avatar:metrics';
type MetricsAnswer = { type: typeof METRICS_ANSWER; id: string; text?: string; error?: string };

/**
 * `/metrics` as Prometheus should see it: this process's registry, or in a process group the sum over
 * every process (prom-client's AggregatorRegistry, run by the primary on this process's request).
 */
function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish({ type: METRICS_ANSWER, id, error: 'no answer in 6 s' }), 6_000);
    function finish(answer: MetricsAnswer) {
      if (answer?.type !== METRICS_ANSWER || answer.id !== id) return;
      clearTimeout(timer);
      process.off('message', finish);
      if (answer.text !== undefined) resolve(answer.text);
      else reject(new Error(`metrics of the process group: ${answer.error}`));
    }
    process.on('message', finish);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}

/** The primary's side of `metricsText`: answers each process's request with the group's metrics. */
export function serveGroupMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: string }) => {
    if (message?.type !== METRICS_REQUEST) return;
    const answer = (fields: Partial<MetricsAnswer>) =>
      worker.isConnected() && worker.send({ type: METRICS_ANSWER, id: message.id, ...fields });
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (error: Error) => answer({ error: error.message }),
    );
  });
}
