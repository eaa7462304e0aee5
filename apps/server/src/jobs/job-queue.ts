import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
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
  ) {}

  static async start(options: JobQueueOptions): Promise<JobQueue> {
    const boss = new PgBoss({
      connectionString: options.connectionString,
      max: 4,
      application_name: 'avatar-jobs',
    });
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
      await boss.createQueue(name, { name, ...policy });
    }
    return new JobQueue(boss, options.logger, options.pollingIntervalSeconds ?? 1, policies);
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
  }
}
