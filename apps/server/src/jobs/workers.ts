import type { Deps } from '../trpc/context.ts';
import type { JobHandler, JobName } from './job-types.ts';

/**
 * Each capability that runs background work adds its handlers here; a worker process (or the API process
 * when RUN_WORKERS is on) starts them all.
 */
type Handlers = { [N in JobName]?: (deps: Deps) => JobHandler<N> };

export const jobHandlers: Handlers = {};

export async function startWorkers(deps: Deps): Promise<JobName[]> {
  const started: JobName[] = [];
  for (const name of Object.keys(jobHandlers) as JobName[]) {
    const factory = jobHandlers[name] as ((deps: Deps) => JobHandler<typeof name>) | undefined;
    if (!factory) continue;
    await deps.jobs.work(name, factory(deps));
    started.push(name);
  }
  return started;
}
