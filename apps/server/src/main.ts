import { ConfigError, loadConfig } from './config/config.ts';
import { startServer } from './server.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

try {
  const running = await startServer(config);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.shutdown(signal).then(
        () => process.exit(0),
        (error) => {
          running.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  const lines = [`Avatar asset server listening on ${running.url}`];
  if (config.NODE_ENV === 'development') {
    if (config.DEV_ADMIN_EMAIL)
      lines.push(`  admin:  ${config.DEV_ADMIN_EMAIL} / ${config.DEV_ADMIN_PASSWORD}`);
    if (config.DEV_PLAYER_EMAIL)
      lines.push(`  player: ${config.DEV_PLAYER_EMAIL} / ${config.DEV_PLAYER_PASSWORD}`);
    lines.push(`  API docs: ${running.url}api/docs`);
  }
  console.log(lines.join('\n'));
} catch (error) {
  const code = (error as { code?: string }).code;
  const reason = code === 'ECONNREFUSED' ? 'the database is unreachable (check DATABASE_URL)' : String(error);
  console.error(`server failed to start: ${reason}`);
  process.exit(1);
}
