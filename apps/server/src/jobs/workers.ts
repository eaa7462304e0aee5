import { cleanupOldExportsHandler } from '../modules/exports/cleanup-old-exports.ts';
import { exportJobHandler } from '../modules/exports/export.job.ts';
import { reapOrphansJob } from '../modules/integrity/reap-orphans.job.ts';
import { processAssetJob } from '../modules/uploads/process-asset.job.ts';
import type { Deps } from '../trpc/context.ts';
import type { JobHandler, JobName } from './job-types.ts';

/**
 * Each capability that runs background work adds its handlers here; a worker process (or the API process
 * when RUN_WORKERS is on) starts them all.
 */
type Handlers = { [N in JobName]?: (deps: Deps) => JobHandler<N> };

export const jobHandlers: Handlers = {
  'asset.process': processAssetJob,
  'export.run': exportJobHandler,
  'maintenance.cleanup': cleanupOldExportsHandler,
  'maintenance.reap-orphans': reapOrphansJob,
};

/** Cron schedules; pg-boss keeps one per job name, however many workers register it. */
const jobSchedules = (deps: Deps): { [N in JobName]?: string } => ({
  'maintenance.cleanup': deps.config.EXPORT_CLEANUP_CRON,
  'maintenance.reap-orphans': deps.config.INTEGRITY_REAPER_CRON,
});

export async function startWorkers(deps: Deps): Promise<JobName[]> {
  const started: JobName[] = [];
  for (const name of Object.keys(jobHandlers) as JobName[]) {
    const factory = jobHandlers[name] as ((deps: Deps) => JobHandler<typeof name>) | undefined;
    if (!factory) continue;
    await deps.jobs.work(name, factory(deps));
    started.push(name);
  }
  for (const [name, cron] of Object.entries(jobSchedules(deps)) as [JobName, string][]) {
    await deps.jobs.schedule(name, cron);
  }
  return started;
}
