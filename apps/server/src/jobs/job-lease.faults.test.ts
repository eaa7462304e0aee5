import PgBoss from 'pg-boss';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { JobQueue } from './job-queue.ts';

let database: TestDatabase;
const queues: JobQueue[] = [];

const start = async () => {
  const queue = await JobQueue.start({
    connectionString: database.url,
    logger: pino({ level: process.env.DEBUG_LEASE ? 'debug' : 'silent' }),
    pollingIntervalSeconds: 0.5,
    // The lease (expiry) runs out after one second, as a slow job's would after its real expiry.
    policies: {
      'maintenance.cleanup': { retryLimit: 3, retryDelay: 0, retryBackoff: false, expireInSeconds: 1 },
    },
  });
  queues.push(queue);
  return queue;
};

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const queue of queues) await queue.stop();
  await database?.drop();
});

async function until(what: string, condition: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a job that outlives its expiry', () => {
  it('is handed out again but never runs twice at once; its work is done once and it ends completed', async () => {
    const first = await start();
    const second = await start(); // a second worker process

    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let workDone = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Idempotent as every real handler is: it re-reads its state (here: `workDone`) and skips when done.
    const handler = async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      try {
        if (workDone > 0) return 'skipped' as const;
        await gate;
        workDone++;
        return 'completed' as const;
      } finally {
        running--;
      }
    };
    await first.work('maintenance.cleanup', handler);
    const id = (await first.send('maintenance.cleanup', {}))!;
    await until('the first run', async () => runs === 1);
    await second.work('maintenance.cleanup', handler);

    // pg-boss's maintenance (every two minutes in production; every second here) expires the lease.
    const maintenance = new PgBoss({
      connectionString: database.url,
      maintenanceIntervalSeconds: 1,
      schedule: false,
      migrate: false,
      max: 1,
    });
    maintenance.on('error', () => {});
    await maintenance.start();
    try {
      await until(
        'the expiry',
        async () => (await first.state('maintenance.cleanup', id))?.state === 'retry',
      );
    } finally {
      await maintenance.stop({ graceful: false, wait: true });
    }
    // Handed out again, to the idle worker: it now waits for the first run's lease.
    await until(
      'the redelivery',
      async () => (await first.state('maintenance.cleanup', id))?.state === 'active',
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(runs).toBe(1);
    expect(running).toBe(1);

    release();
    await until(
      'completion',
      async () => (await first.state('maintenance.cleanup', id))?.state === 'completed',
    );
    await until('the redelivered run', async () => runs >= 2);
    expect(maxRunning).toBe(1);
    expect(workDone).toBe(1);
    // Each redelivery ran after the first run had finished, found the work done, and skipped.
    const final = await first.state('maintenance.cleanup', id);
    expect(final?.state).toBe('completed');
    expect(final?.retryCount).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
