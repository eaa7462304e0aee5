import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { JobQueue } from './job-queue.ts';

let database: TestDatabase;
let queue: JobQueue;

beforeAll(async () => {
  database = await createTestDatabase();
  queue = await JobQueue.start({
    connectionString: database.url,
    logger: pino({ level: 'silent' }),
    pollingIntervalSeconds: 0.5,
    policies: { 'maintenance.cleanup': { retryLimit: 2, retryDelay: 0, retryBackoff: false } },
  });
});
afterAll(async () => {
  await queue?.stop();
  await database?.drop();
});

async function waitForState(id: string, states: string[], ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const job = await queue.state('maintenance.cleanup', id);
    if (job && states.includes(job.state)) return job;
    if (Date.now() > until) throw new Error(`job ${id} is ${job?.state}, wanted ${states.join('|')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('JobQueue', () => {
  it('starts in several processes at once on a fresh database (they race to create the queues)', async () => {
    const fresh = await createTestDatabase();
    try {
      const start = () => JobQueue.start({ connectionString: fresh.url, logger: pino({ level: 'silent' }) });
      const queues = await Promise.all([start(), start(), start()]);
      const id = await queues[1]!.send('maintenance.cleanup', {});
      expect((await queues[2]!.state('maintenance.cleanup', id!))?.state).toBe('created');
      await Promise.all(queues.map((q) => q.stop()));
    } finally {
      await fresh.drop();
    }
  }, 60_000);

  it('queues a job inside a transaction only if the transaction commits', async () => {
    let rolledBackId: string | null = null;
    await database.db
      .transaction()
      .execute(async (trx) => {
        rolledBackId = await queue.send('maintenance.cleanup', {}, { trx });
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(rolledBackId).toEqual(expect.any(String));
    expect(await queue.state('maintenance.cleanup', rolledBackId!)).toBeNull();

    const committedId = await database.db
      .transaction()
      .execute((trx) => queue.send('maintenance.cleanup', {}, { trx }));
    expect((await queue.state('maintenance.cleanup', committedId!))?.state).toBe('created');
  });

  it('retries a failing handler, tells it the last attempt, and ends in failed rather than active forever', async () => {
    const attempts: boolean[] = [];
    await queue.work('maintenance.cleanup', async (job) => {
      attempts.push(job.isLastAttempt);
      throw new Error('always fails');
    });
    const id = await queue.send('maintenance.cleanup', {});
    const job = await waitForState(id!, ['failed']);
    expect(job.retryCount).toBe(2);
    // Three attempts for this id (the job queued by the first test may run too).
    expect(attempts.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(attempts.at(-1)).toBe(true);
  });
});
