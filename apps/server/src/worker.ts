import { ConfigError, loadConfig } from './config/config.ts';
import { startWorkers } from './jobs/workers.ts';
import { createRuntime } from './runtime.ts';

// A worker process: the same runtime as the API, running background jobs and no HTTP server, so the two
// scale apart (`make worker`, or RUN_WORKERS=false on the API processes).
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
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    runtime.logger.info({ signal }, 'worker stopping');
    runtime.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
