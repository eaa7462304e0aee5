import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import type { JobHandler } from '../../jobs/job-types.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import * as avatars from '../avatars/avatars.service.ts';
import { sweepDeliveryCache } from '../delivery/sweep-delivery-cache.ts';
import { sweepRenderCache } from '../render/sweep-render-cache.ts';

export interface CleanupDeps {
  config: Pick<
    Config,
    'EXPORT_RETENTION_DAYS' | 'EXPORT_INACTIVE_USER_DAYS' | 'DELIVERY_CACHE_MAX_IDLE_DAYS'
  >;
  db: Db;
  storage: AssetStorage;
  logger: Logger;
}

export interface CleanupOptions {
  /** Objects younger than this are left alone: an export in flight writes its file before its row says so. */
  orphanGraceSeconds: number;
  /** An export still pending or processing after this long lost its worker for good. */
  stuckAfterSeconds: number;
  batchSize: number;
}

export const CLEANUP_DEFAULTS: Readonly<CleanupOptions> = Object.freeze({
  orphanGraceSeconds: 3600,
  stuckAfterSeconds: 24 * 3600,
  batchSize: 500,
});

export interface CleanupSummary {
  /** Rows of exports that stayed pending or processing past `stuckAfterSeconds`, now failed. */
  interrupted: number;
  /** Export rows (and their files) past retention, or of inactive users. */
  exportsRemoved: number;
  /** Avatar configs whose GLB reference was cleared. */
  glbReferencesCleared: number;
  /** Objects under `exports/` with no completed row that owns them. */
  orphansRemoved: number;
}

const EXPORT_KEY = /^exports\/[^/]+\/([0-9a-f-]{36})\.[a-z0-9]+$/;

/**
 * The weekly sweep (`maintenance.cleanup`): removes exports and GLBs older than the retention period or
 * belonging to users not seen for as long, then any object under `exports/` that no completed export
 * owns. Idempotent, in batches; logs what it removed.
 */
export async function cleanupOldExports(
  deps: CleanupDeps,
  options: Partial<CleanupOptions> = {},
): Promise<CleanupSummary> {
  const opts = { ...CLEANUP_DEFAULTS, ...options };
  const { db, storage } = deps;
  const days = (n: number) => sql<Date>`now() - make_interval(days => ${n})`;
  const summary: CleanupSummary = {
    interrupted: 0,
    exportsRemoved: 0,
    glbReferencesCleared: 0,
    orphansRemoved: 0,
  };

  const stuck = await db
    .updateTable('exports')
    .set({ status: 'failed', error_code: 'INTERRUPTED', completed_at: sql<Date>`now()` })
    .where('status', 'in', ['pending', 'processing'])
    .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${opts.stuckAfterSeconds})`)
    .returning('id')
    .execute();
  summary.interrupted = stuck.length;

  for (;;) {
    const batch = await db
      .selectFrom('exports')
      .innerJoin('users', 'users.id', 'exports.user_id')
      .select(['exports.id', 'exports.storage_key'])
      .where((eb) =>
        eb.or([
          eb('exports.expires_at', '<', sql<Date>`now()`),
          eb('exports.created_at', '<', days(deps.config.EXPORT_RETENTION_DAYS)),
          eb(
            sql`coalesce(users.last_seen_at, users.created_at)`,
            '<',
            days(deps.config.EXPORT_INACTIVE_USER_DAYS),
          ),
        ]),
      )
      .limit(opts.batchSize)
      .execute();
    if (batch.length === 0) break;
    const keys = batch.map((row) => row.storage_key).filter((key): key is string => key !== null);
    // References first, then files, then rows: a crash in between leaves orphans for the next sweep,
    // never a config or a row that names a missing file.
    summary.glbReferencesCleared += await avatars.clearGlbByKeys(db, keys);
    for (const key of keys) await storage.delete(key);
    await db
      .deleteFrom('exports')
      .where(
        'id',
        'in',
        batch.map((row) => row.id),
      )
      .execute();
    summary.exportsRemoved += batch.length;
    if (batch.length < opts.batchSize) break;
  }

  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
  const stale = await avatars.clearStaleGlbs(
    db,
    daysAgo(deps.config.EXPORT_RETENTION_DAYS),
    daysAgo(deps.config.EXPORT_INACTIVE_USER_DAYS),
  );
  summary.glbReferencesCleared += stale.cleared;
  for (const key of stale.keys) await storage.delete(key);

  summary.orphansRemoved = await removeOrphans(deps, opts);
  deps.logger.info({ ...summary }, 'cleanupOldExports removed old exports');
  return summary;
}

/** Files under `exports/` that no completed row points at (a crash between writing and recording, say). */
async function removeOrphans(deps: CleanupDeps, opts: CleanupOptions): Promise<number> {
  const graceUntil = Date.now() - opts.orphanGraceSeconds * 1000;
  const candidates: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.storage.list('exports/', { cursor, limit: 1000 });
    for (const item of page.items) if (item.lastModified.getTime() <= graceUntil) candidates.push(item.key);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  let removed = 0;
  for (let i = 0; i < candidates.length; i += opts.batchSize) {
    const keys = candidates.slice(i, i + opts.batchSize);
    const ids = keys.map((key) => EXPORT_KEY.exec(key)?.[1]).filter((id): id is string => id !== undefined);
    const owned = new Set(
      ids.length === 0
        ? []
        : (
            await deps.db
              .selectFrom('exports')
              .select(['id', 'status', 'storage_key'])
              .where('id', 'in', ids)
              .where('status', 'in', ['completed', 'pending', 'processing'])
              .execute()
          ).flatMap((row) =>
            // A pending or processing export may be writing its file right now; a completed one owns its key.
            row.status === 'completed' ? [row.storage_key ?? ''] : keys.filter((k) => k.includes(row.id)),
          ),
    );
    for (const key of keys) {
      if (owned.has(key)) continue;
      await deps.storage.delete(key);
      removed++;
    }
  }
  return removed;
}

export const cleanupOldExportsHandler =
  (deps: CleanupDeps): JobHandler<'maintenance.cleanup'> =>
  async () => {
    await cleanupOldExports(deps);
    const renders = await sweepRenderCache(deps.storage);
    if (renders > 0) deps.logger.info({ renders }, 'removed old cached renders');
    const delivery = await sweepDeliveryCache(deps, {
      maxIdleDays: deps.config.DELIVERY_CACHE_MAX_IDLE_DAYS,
      orphanGraceSeconds: CLEANUP_DEFAULTS.orphanGraceSeconds,
    });
    deps.logger.info(delivery, 'swept the avatar delivery cache');
    return 'completed';
  };
