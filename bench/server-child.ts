/**
 * Runs the real API server in a process of its own (forked by server-process.ts), so the load generator
 * never shares the server's event loop. The parent sends the environment to parse; the child answers with
 * its URL, and shuts down when told to or when the parent goes away.
 */
import { parseConfig } from '../apps/server/src/config/config.ts';
import { type RunningServer, startServer } from '../apps/server/src/server.ts';

export type ToChild = { type: 'start'; env: Record<string, string> } | { type: 'stop' };
export type FromChild = { type: 'ready'; url: string } | { type: 'failed'; message: string };

let running: RunningServer | null = null;
const send = (message: FromChild) => process.send?.(message);

async function stop(reason: string): Promise<void> {
  try {
    await running?.shutdown(reason);
  } finally {
    process.exit(0);
  }
}

process.on('message', (message: ToChild) => {
  if (message.type === 'stop') {
    void stop('parent asked');
    return;
  }
  startServer(parseConfig(message.env)).then(
    (server) => {
      running = server;
      send({ type: 'ready', url: server.url });
    },
    (error: unknown) => {
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
});
process.on('disconnect', () => void stop('parent went away'));
