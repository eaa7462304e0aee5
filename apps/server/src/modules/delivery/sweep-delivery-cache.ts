import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';

export interface DeliverySweepOptions {
  /** Entries nobody asked for in this many days go (their URL builds again on the next request). */
  maxIdleDays: number;
  /** Objects under `delivery/` without a row, younger than this, may be a build that has not finished. */
  orphanGraceSeconds: number;
  now?: number;
}

export interface DeliverySweepSummary {
  /** Cache entries (rows and their files) unused past `maxIdleDays`, or failed builds older than a day. */
  entriesRemoved: number;
  /** Files under `delivery/` that no entry owns (their user was deleted, say). */
  orphansRemoved: number;
}

/**
 * The weekly sweep of derived avatar GLBs, so the cache does not grow for ever: every config change
 * leaves its old results behind, and only use (`last_hit_at`, stamped at most hourly) keeps one. The row
 * goes first, so no request is led to a file about to disappear; then the file.
 */
export async function sweepDeliveryCache(
  deps: { db: Db; storage: AssetStorage },
  options: DeliverySweepOptions,
): Promise<DeliverySweepSummary> {
  const { db, storage } = deps;
  const now = options.now ?? Date.now();
  const idleCutoff = new Date(now - options.maxIdleDays * 86_400_000);
  const removed = await db
    .deleteFrom('avatar_delivery_cache')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'ready'), eb('last_hit_at', '<', idleCutoff)]),
        eb.and([eb('status', '=', 'failed'), eb('created_at', '<', sql<Date>`now() - interval '1 day'`)]),
      ]),
    )
    .returning('storage_key')
    .execute();
  for (const { storage_key } of removed) if (storage_key) await storage.delete(storage_key);

  const graceCutoff = now - options.orphanGraceSeconds * 1000;
  const candidates: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.list('delivery/', { ...(cursor ? { cursor } : {}), limit: 1000 });
    for (const item of page.items) if (item.lastModified.getTime() < graceCutoff) candidates.push(item.key);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  let orphansRemoved = 0;
  for (let i = 0; i < candidates.length; i += 500) {
    const batch = candidates.slice(i, i + 500);
    const owned = new Set(
      (
        await db
          .selectFrom('avatar_delivery_cache')
          .select('storage_key')
          .where('storage_key', 'in', batch)
          .execute()
      ).map((r) => r.storage_key),
    );
    for (const key of batch) {
      if (owned.has(key)) continue;
      await storage.delete(key);
      orphansRemoved++;
    }
  }
  return { entriesRemoved: removed.length, orphansRemoved };
}
