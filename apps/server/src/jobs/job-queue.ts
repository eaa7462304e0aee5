import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/tables.ts';
import {
  JOB_POLICIES,
  type JobHandler,
  type JobName,
  type JobPayloads,
  type JobPolicy,
} from './job-types.ts';

export interface JobQueueOptions {
  connectionString: string;
  logger: Logger;
  /** Poll interval for workers; pg-boss's minimum is 0.5 s. */
  pollingIntervalSeconds?: number;
  /** Overrides per job (tests shorten retry delays). */
  policies?: Partial<Record<JobName, Partial<JobPolicy>>>;
}

/** pg-boss running its SQL through a Kysely transaction, so a job is queued only if the transaction commits. */
function inTransaction(trx: Transaction<Database> | Kysely<Database>): PgBoss.Db {
  return {
    async executeSql(text, values) {
      const result = await trx.executeQuery(CompiledQuery.raw(text, values));
      return { rows: result.rows as unknown[] as object[] };
    },
  };
}

/**
 * The PostgreSQL-backed job queue (pg-boss): no extra service to run; retries with backoff, expiry of
 * jobs whose worker died, cron. API processes only send; worker processes also `work`.
 */
export class JobQueue {
  private constructor(
    private readonly boss: PgBoss,
    private readonly logger: Logger,
    private readonly pollingIntervalSeconds: number,
    private readonly policies: Record<JobName, JobPolicy>,
    private readonly leases: JobLeases,
    private readonly pool: pg.Pool,
  ) {}

  static async start(options: JobQueueOptions): Promise<JobQueue> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 4,
      application_name: 'avatar-jobs',
    });
    const boss = new PgBoss({ db: resilientBossDb(pool, options.logger) });
    // Without a listener, a lost connection would crash the process; pg-boss reconnects by itself.
    boss.on('error', (error) => options.logger.warn({ err: error }, 'job queue error'));
    await boss.start();
    const policies = Object.fromEntries(
      Object.entries(JOB_POLICIES).map(([name, policy]) => [
        name,
        { ...policy, ...options.policies?.[name as JobName] },
      ]),
    ) as Record<JobName, JobPolicy>;
    for (const [name, policy] of Object.entries(policies)) {
      await createQueueRacing(() => boss.createQueue(name, { name, ...policy }));
    }
    const leases = new JobLeases(options.connectionString, options.logger);
    return new JobQueue(boss, options.logger, options.pollingIntervalSeconds ?? 1, policies, leases, pool);
  }

  /** Queues a job; with `trx`, inside that transaction (so "row + job" is one commit). */
  async send<N extends JobName>(
    name: N,
    data: JobPayloads[N],
    options: { trx?: Transaction<Database>; singletonKey?: string } = {},
  ): Promise<string | null> {
    return this.boss.send(name, data, {
      ...this.policies[name],
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      ...(options.trx ? { db: inTransaction(options.trx) } : {}),
    });
  }

  async work<N extends JobName>(name: N, handler: JobHandler<N>): Promise<void> {
    await this.boss.work<JobPayloads[N]>(
      name,
      { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: this.pollingIntervalSeconds },
      async (jobs) => {
        for (const job of jobs) {
          const log = this.logger.child({ job: name, jobId: job.id, attempt: job.retryCount + 1 });
          // A job that outlived its expiry is handed out again while its first run may still be going:
          // the second run waits for the first one's lease, so the two never run at once.
          const lease = await this.leases.acquire(job.id);
          const started = performance.now();
          try {
            const outcome = await handler({
              id: job.id,
              name,
              data: job.data,
              retryCount: job.retryCount,
              isLastAttempt: job.retryCount >= job.retryLimit,
            });
            log.info({ outcome, ms: Math.round(performance.now() - started) }, 'job done');
          } catch (error) {
            log.warn({ err: error, ms: Math.round(performance.now() - started) }, 'job failed');
            throw error;
          } finally {
            await lease.release();
          }
        }
      },
    );
  }

  async schedule(name: JobName, cron: string): Promise<void> {
    await this.boss.schedule(name, cron, {}, this.policies[name]);
  }

  /** The state of one job, for tests and the admin's progress view. */
  async state(name: JobName, id: string) {
    const job = await this.boss.getJobById(name, id, { includeArchive: true });
    return job ? { state: job.state, retryCount: job.retryCount, output: job.output } : null;
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 10_000, wait: true });
    await this.leases.close();
    await this.pool.end();
  }
}

/** pg-boss's statements that mark a finished job (completeJobs, failJobsById in its plans.js). */
const FINISHING_STATEMENT =
  /^\s*WITH (results AS \(\s*UPDATE \S+\.job\s+SET completed_on|deleted_jobs AS \(\s*DELETE FROM \S+\.job\s+WHERE name = \$1 AND id IN)/;

/**
 * pg-boss's SQL through a pool of ours. pg-boss 10 does not await its complete/fail calls after a handler
 * has run, so one failing (PostgreSQL restarting just then) was an unhandled rejection that ended the
 * worker process. Here such a failure is logged instead: the job stays active, expires, and is retried,
 * and its handler (idempotent, re-reading its state by id) skips work already done. The pool also listens
 * for errors on clients in use, which node-postgres would otherwise throw as an uncaught 'error' event.
 */
function resilientBossDb(pool: pg.Pool, logger: Logger): PgBoss.Db {
  pool.on('error', (error) => logger.warn({ err: error }, 'job queue connection lost; it will reconnect'));
  pool.on('connect', (client) => client.on('error', () => {}));
  return {
    async executeSql(text, values) {
      try {
        return await pool.query(text, values);
      } catch (error) {
        if (!FINISHING_STATEMENT.test(text)) throw error;
        logger.warn({ err: error }, 'could not record a finished job; it will be retried after its expiry');
        return { rows: [{ count: '0' }] };
      }
    },
  };
}

/**
 * One PostgreSQL session-level advisory lock per running job, on a connection held for the run. It goes
 * with the connection, so a killed worker's lease ends with its process and the retry runs at once;
 * a live one's lease makes a redelivery wait until the first run has finished (and then, re-reading its
 * state by id, the handler skips). pg-boss has no such guard: its expiry only retries.
 */
class JobLeases {
  private readonly pool: pg.Pool;

  constructor(
    connectionString: string,
    private readonly logger: Logger,
  ) {
    this.pool = new pg.Pool({ connectionString, max: 8, application_name: 'avatar-job-leases' });
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'job lease connection lost'));
  }

  async acquire(jobId: string): Promise<{ release: () => Promise<void> }> {
    const client = await this.pool.connect();
    // The pool listens for errors only on idle clients: a held one losing its connection (PostgreSQL
    // restarted) would otherwise crash the process. The lock is gone with the connection; the job goes on.
    const onError = (error: Error) => this.logger.warn({ err: error, jobId }, 'job lease connection lost');
    client.on('error', onError);
    const lock = `job-lease:${jobId}`;
    try {
      await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [lock]);
    } catch (error) {
      client.off('error', onError);
      client.release(true);
      throw error;
    }
    return {
      release: async () => {
        try {
          await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [lock]);
          client.off('error', onError);
          client.release();
        } catch {
          client.off('error', onError);
          client.release(true); // a lost connection has released the lock with it
        }
      },
    };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * pg-boss's createQueue inserts the queue and its partition table; processes starting together (a process
 * group, several hosts) can deadlock on them or meet each other's insert. Either way the queue is then
 * being made by the other process: try again, after a jittered pause, until one sees it exist.
 */
async function createQueueRacing(create: () => Promise<unknown>, attempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await create();
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= attempts || (code !== '40P01' && code !== '23505')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}
