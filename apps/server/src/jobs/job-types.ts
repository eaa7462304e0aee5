/** Every background job by name, with its payload: handlers re-read their inputs by these ids. */
export interface JobPayloads {
  'asset.process': { assetId: string };
  'export.run': { exportId: string };
  'maintenance.cleanup': Record<string, never>;
  'maintenance.reap-orphans': Record<string, never>;
}
export type JobName = keyof JobPayloads;

export interface JobPolicy {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  /** A job still active after this long is taken to have died with its worker and is retried. */
  expireInSeconds: number;
}

export const JOB_POLICIES: Record<JobName, JobPolicy> = {
  'asset.process': { retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60 },
  'export.run': { retryLimit: 2, retryDelay: 3, retryBackoff: true, expireInSeconds: 10 * 60 },
  'maintenance.cleanup': { retryLimit: 1, retryDelay: 60, retryBackoff: false, expireInSeconds: 60 * 60 },
  'maintenance.reap-orphans': {
    retryLimit: 1,
    retryDelay: 60,
    retryBackoff: false,
    expireInSeconds: 30 * 60,
  },
};

/** What a handler says it did; throwing means "failed, retry if attempts remain". */
export type JobOutcome = 'completed' | 'skipped';

export interface JobContext<N extends JobName> {
  id: string;
  name: N;
  data: JobPayloads[N];
  /** Attempts made before this one. */
  retryCount: number;
  /** True when a failure now is final: the handler records why before throwing. */
  isLastAttempt: boolean;
}

export type JobHandler<N extends JobName> = (job: JobContext<N>) => Promise<JobOutcome>;
