import cluster from 'node:cluster';
import { startProcessGroup } from './cluster.ts';
import { type Config, ConfigError, loadConfig } from './config/config.ts';
import { createLogger } from './http/logger.ts';
import { startServer } from './server.ts';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

function startupFailure(error: unknown): never {
  const code = (error as { code?: string }).code;
  const reason = code === 'ECONNREFUSED' ? 'the database is unreachable (check DATABASE_URL)' : String(error);
  console.error(`server failed to start: ${reason}`);
  process.exit(1);
}

function onSignals(stop: (signal: string) => Promise<void>, log: (error: unknown) => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stop(signal).then(
        () => process.exit(0),
        (error) => {
          log(error);
          process.exit(1);
        },
      );
    });
  }
}

function announce(url: string, processes: number): void {
  const lines = [
    `Avatar asset server listening on ${url}${processes > 1 ? ` (${processes} processes)` : ''}`,
  ];
  if (config.NODE_ENV === 'development') {
    if (config.DEV_ADMIN_EMAIL)
      lines.push(`  admin:  ${config.DEV_ADMIN_EMAIL} / ${config.DEV_ADMIN_PASSWORD}`);
    if (config.DEV_PLAYER_EMAIL)
      lines.push(`  player: ${config.DEV_PLAYER_EMAIL} / ${config.DEV_PLAYER_PASSWORD}`);
    lines.push(`  API docs: ${url}api/docs`);
  }
  console.log(lines.join('\n'));
}

if (cluster.isPrimary && config.API_PROCESSES > 1) {
  const logger = createLogger(config.LOG_LEVEL);
  try {
    const group = await startProcessGroup({
      count: config.API_PROCESSES,
      env: {},
      runWorkers: config.RUN_WORKERS,
      logger,
    });
    onSignals(
      () => group.stop(),
      (error) => logger.error({ err: error }, 'shutdown failed'),
    );
    announce(group.url, config.API_PROCESSES);
  } catch (error) {
    startupFailure(error);
  }
} else {
  try {
    const running = await startServer(config);
    onSignals(running.shutdown, (error) => running.logger.error({ err: error }, 'shutdown failed'));
    // In a process group the primary announces the group.
    if (cluster.isPrimary) announce(running.url, 1);
  } catch (error) {
    startupFailure(error);
  }
}
