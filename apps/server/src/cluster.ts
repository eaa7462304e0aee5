import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { serveGroupMetrics } from './http/metrics.ts';

/**
 * Several API processes on one port (node:cluster: the primary accepts connections and hands them out in
 * turn), so one machine's cores all serve requests. The processes share nothing in memory: sessions, rate
 * limits and jobs live in PostgreSQL, and each process's read caches follow the change feed. The primary
 * serves nothing itself; it starts the processes, starts a new one when one dies, and stops them all.
 */
export interface ProcessGroup {
  url: string;
  stop: () => Promise<void>;
}

export interface ProcessGroupOptions {
  count: number;
  /** Each process's environment (on top of the primary's). Only the first runs the job workers. */
  env: Record<string, string>;
  runWorkers: boolean;
  logger: Logger;
  /** The script each process runs, when not this one (the bench's server child). */
  exec?: string;
}

/** Waits before replacing a process, by how many died in a row; a minute without deaths starts over. */
const RESTART_DELAYS_MS = [100, 1_000, 5_000];
const RESTART_CALM_MS = 60_000;

export function startProcessGroup(options: ProcessGroupOptions): Promise<ProcessGroup> {
  const { count, logger } = options;
  if (options.exec) cluster.setupPrimary({ exec: options.exec });
  serveGroupMetrics();
  let stopping = false;
  let restarts = 0;
  let lastDeath = 0;

  const fork = (index: number): Worker => {
    const worker = cluster.fork({
      ...options.env,
      // One process runs the background jobs, as a single API process would; the others only serve.
      RUN_WORKERS: String(options.runWorkers && index === 0),
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      if (Date.now() - lastDeath > RESTART_CALM_MS) restarts = 0;
      lastDeath = Date.now();
      const delay = RESTART_DELAYS_MS[Math.min(restarts++, RESTART_DELAYS_MS.length - 1)];
      logger.error({ index, code, signal, restartInMs: delay }, 'API process died; starting another');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delay);
    });
    return worker;
  };

  const listening = (worker: Worker) =>
    new Promise<{ address: string | null; port: number }>((resolve, reject) => {
      worker.once('listening', resolve);
      worker.once('exit', (code) => reject(new Error(`API process exited with code ${code} while starting`)));
    });
  // The first alone, then the others: it migrates the database and creates the job queues, which
  // processes starting at the same moment would race for.
  const started = async () => {
    const first = await listening(fork(0));
    await Promise.all(Array.from({ length: count - 1 }, (_, i) => listening(fork(i + 1))));
    return first;
  };

  const stop = async () => {
    stopping = true;
    const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      all.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            // Each process drains its requests and closes its pools on SIGTERM (main.ts).
            worker.process.kill('SIGTERM');
          }),
      ),
    );
  };

  return started().then(
    (first) => {
      const host = first.address && first.address !== '::' ? first.address : '127.0.0.1';
      return { url: `http://${host.includes(':') ? `[${host}]` : host}:${first.port}/`, stop };
    },
    async (error: unknown) => {
      await stop();
      throw error;
    },
  );
}
