import type { Logger } from 'pino';
import type { Db } from '../../db/database.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import * as repo from './uploads.repository.ts';

export interface SweepDeps {
  db: Db;
  storage: AssetStorage;
  logger?: Logger;
}

/**
 * Removes what expired pending uploads left: the object of a direct upload never completed, or of an
 * upload whose process died between the storage write and the row insert (unless a row claimed it). The
 * record goes only once its object is gone, so a storage outage just postpones the sweep.
 */
export async function sweepPendingUploads(deps: SweepDeps, limit = 100): Promise<number> {
  let removed = 0;
  for (const pending of await repo.listExpiredPending(deps.db, limit)) {
    try {
      if (!pending.claimed) await deps.storage.delete(pending.storage_key);
      await repo.deletePending(deps.db, pending.id);
      removed++;
    } catch (error) {
      deps.logger?.warn(
        { err: error, key: pending.storage_key },
        'pending upload sweep failed; retried later',
      );
    }
  }
  return removed;
}

const SWEEP_INTERVAL_MS = 60_000;
let lastSweep = 0;

/** Runs the sweep at most once a minute per process, in the background; uploads call it on their way. */
export function sweepPendingSoon(deps: SweepDeps): void {
  const now = Date.now();
  if (now - lastSweep < SWEEP_INTERVAL_MS) return;
  lastSweep = now;
  sweepPendingUploads(deps).catch((error) =>
    deps.logger?.warn({ err: error }, 'pending upload sweep failed'),
  );
}
