import { createServer, type Server } from 'node:http';
import { ConfigError, loadConfig } from './config/config.ts';
import { createMetrics } from './http/metrics.ts';
import { startWorkers } from './jobs/workers.ts';
import { exportMetricsRegistry } from './modules/exports/export-metrics.ts';
import { createRuntime } from './runtime.ts';

// A worker process: the same runtime as the API, running background jobs and no API, so the two scale
// apart (`make worker`, or RUN_WORKERS=false on the API processes). It answers /metrics (the job metrics
// live in this process, not the API's) and /healthz on WORKER_METRICS_PORT.
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const runtime = await createRuntime(config);
const names = await startWorkers(runtime);
runtime.logger.info({ jobs: names }, 'worker started');

let metricsServer: Server | undefined;
if (config.WORKER_METRICS_PORT > 0) {
  const { registry } = createMetrics({ include: [exportMetricsRegistry] });
  metricsServer = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"code":"NOT_FOUND","message":"Not found"}');
    }
  });
  metricsServer.listen(config.WORKER_METRICS_PORT, config.HOST, () =>
    runtime.logger.info({ port: config.WORKER_METRICS_PORT }, 'worker metrics at /metrics'),
  );
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    runtime.logger.info({ signal }, 'worker stopping');
    metricsServer?.close();
    runtime.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
