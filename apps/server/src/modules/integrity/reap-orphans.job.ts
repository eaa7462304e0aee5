import type { JobHandler } from '../../jobs/job-types.ts';
import { sweepPendingUploads } from '../uploads/sweep-pending.ts';
import { type IntegrityDeps, repair } from './integrity.service.ts';

/**
 * `maintenance.reap-orphans` (hourly cron): first the expired pending uploads (their own sweep), then any
 * object no row refers to and older than the grace period, each re-checked at the moment of deletion.
 * What a killed process or a lost database connection left behind goes here; so do expired idempotency keys.
 */
export const reapOrphansJob =
  (deps: IntegrityDeps): JobHandler<'maintenance.reap-orphans'> =>
  async () => {
    const pending = await sweepPendingUploads(deps, 1_000);
    const { deleted } = await repair(deps);
    const keys = await deps.db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<', new Date())
      .executeTakeFirst();
    deps.logger.info(
      { pending, orphans: deleted.length, idempotencyKeys: Number(keys.numDeletedRows) },
      'orphan reaper finished',
    );
    return 'completed';
  };
