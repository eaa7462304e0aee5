import type { JobHandler } from '../../jobs/job-types.ts';
import type { Deps } from '../../trpc/context.ts';
import { toExportFailure } from './export-failure.ts';
import * as repo from './exports.repository.ts';
import { finishFailed, runExport } from './run-export.ts';

/**
 * `export.run`: re-reads the export by id and runs it. A failure that another attempt could fix is
 * thrown for the queue to retry with backoff (the row goes back to `pending`); on the last attempt, or
 * for a failure no retry fixes, the row ends `failed` with its reason.
 */
export const exportJobHandler =
  (deps: Deps): JobHandler<'export.run'> =>
  async (job) => {
    const { exportId } = job.data;
    try {
      const { outcome } = await runExport(deps, exportId);
      return outcome;
    } catch (error) {
      const failure = toExportFailure(error);
      if (failure.retryable && !job.isLastAttempt) {
        await repo.requeueExport(deps.db, exportId);
        throw error;
      }
      await finishFailed(deps, exportId, failure);
      if (failure.retryable) throw error; // the queue records the job as failed, too
      return 'skipped';
    }
  };
