/**
 * Runs the real API server in a process of its own (forked by server-process.ts), so the load generator
 * never shares the server's event loop. The parent sends the environment to parse; the child answers with
 * its URL, and shuts down when told to or when the parent goes away.
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { type ProcessGroup, startProcessGroup } from '../apps/server/src/cluster.ts';
import { parseConfig } from '../apps/server/src/config/config.ts';
import { createLogger } from '../apps/server/src/http/logger.ts';
import { type RunningServer, startServer } from '../apps/server/src/server.ts';

export type ToChild = { type: 'start'; env: Record<string, string> } | { type: 'stop' };
export type FromChild = { type: 'ready'; url: string } | { type: 'failed'; message: string };

let running: RunningServer | null = null;
let group: ProcessGroup | null = null;
const send = (message: FromChild) => process.send?.(message);

async function stop(reason: string): Promise<void> {
  try {
    await (group ? group.stop() : running?.shutdown(reason));
  } finally {
    process.exit(0);
  }
}

/** With API_PROCESSES > 1 this script is also each process of the group (as main.ts is for operators). */
if (cluster.isWorker) {
  const server = await startServer(parseConfig(process.env));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void server.shutdown(signal).finally(() => process.exit(0)));
  }
}

async function start(env: Record<string, string>): Promise<string> {
  const config = parseConfig(env);
  if (config.API_PROCESSES === 1) {
    running = await startServer(config);
    return running.url;
  }
  group = await startProcessGroup({
    count: config.API_PROCESSES,
    env,
    runWorkers: config.RUN_WORKERS,
    logger: createLogger(config.LOG_LEVEL),
    exec: fileURLToPath(import.meta.url),
  });
  return group.url;
}

if (cluster.isPrimary) {
  process.on('message', (message: ToChild) => {
    if (message.type === 'stop') {
      void stop('parent asked');
      return;
    }
    start(message.env).then(
      (url) => send({ type: 'ready', url }),
      (error: unknown) => {
        send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => void stop('parent went away'));
}
