import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

const idColumns = ['user_id', 'public_id', 'private', 'rotated_at'] as const;

export type DeliveryIdRow = Awaited<ReturnType<typeof ensureForUser>>;

/** The user's row, made on first use with `publicId` (a concurrent first use keeps the other's). */
export async function ensureForUser(db: Db, userId: string, publicId: string) {
  await db
    .insertInto('avatar_delivery_ids')
    .values({ user_id: userId, public_id: publicId })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
  return db
    .selectFrom('avatar_delivery_ids')
    .select(idColumns)
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
}

export function rotate(db: Db, userId: string, publicId: string) {
  return db
    .updateTable('avatar_delivery_ids')
    .set({ public_id: publicId, rotated_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .returning(idColumns)
    .executeTakeFirstOrThrow();
}

export function setPrivate(db: Db, userId: string, value: boolean) {
  return db
    .updateTable('avatar_delivery_ids')
    .set({ private: value })
    .where('user_id', '=', userId)
    .returning(idColumns)
    .executeTakeFirstOrThrow();
}

const cacheColumns = [
  'cache_key',
  'status',
  'storage_key',
  'bytes',
  'sha256',
  'error_code',
  'lease_until',
] as const;

export function findEntry(db: Db, cacheKey: string) {
  return db
    .selectFrom('avatar_delivery_cache')
    .select(cacheColumns)
    .where('cache_key', '=', cacheKey)
    .executeTakeFirst();
}
export type CacheEntryRow = NonNullable<Awaited<ReturnType<typeof findEntry>>>;

/**
 * Takes the build of `cacheKey`: inserts a `building` row, or takes over a failed one or one whose
 * builder's lease ran out (a crashed process). True when this caller is now the builder.
 */
export async function claimBuild(
  db: Db,
  entry: { cacheKey: string; userId: string; params: string; leaseMs: number },
): Promise<boolean> {
  const leaseUntil = sql<Date>`now() + ${`${entry.leaseMs} milliseconds`}::interval`;
  const claimed = await db
    .insertInto('avatar_delivery_cache')
    .values({
      cache_key: entry.cacheKey,
      user_id: entry.userId,
      params: entry.params,
      status: 'building',
      lease_until: leaseUntil,
    })
    .onConflict((oc) =>
      oc
        .column('cache_key')
        .doUpdateSet({ status: 'building', lease_until: leaseUntil, error_code: null })
        .where((eb) =>
          eb.or([
            eb('avatar_delivery_cache.status', '=', 'failed'),
            eb.and([
              eb('avatar_delivery_cache.status', '=', 'building'),
              eb('avatar_delivery_cache.lease_until', '<', sql<Date>`now()`),
            ]),
          ]),
        ),
    )
    .returning('cache_key')
    .executeTakeFirst();
  return claimed !== undefined;
}

export async function finishBuild(
  db: Db,
  cacheKey: string,
  result: {
    storageKey: string;
    bytes: number;
    sha256: string;
    triangles: number;
    drawCalls: number;
    buildMs: number;
  },
): Promise<void> {
  await db
    .updateTable('avatar_delivery_cache')
    .set({
      status: 'ready',
      lease_until: null,
      storage_key: result.storageKey,
      bytes: result.bytes,
      sha256: result.sha256,
      triangles: result.triangles,
      draw_calls: result.drawCalls,
      build_ms: result.buildMs,
    })
    .where('cache_key', '=', cacheKey)
    .execute();
}

export async function failBuild(db: Db, cacheKey: string, errorCode: string): Promise<void> {
  await db
    .updateTable('avatar_delivery_cache')
    .set({ status: 'failed', lease_until: null, error_code: errorCode })
    .where('cache_key', '=', cacheKey)
    .where('status', '=', 'building')
    .execute();
}

/**
 * Marks the entry as still wanted, at most once an hour (a write per hit would cost more than the hit):
 * what a sweep of unused entries reads. Hit counts are in `/metrics`.
 */
export async function touchEntry(db: Db, cacheKey: string): Promise<void> {
  await db
    .updateTable('avatar_delivery_cache')
    .set({ last_hit_at: sql<Date>`now()` })
    .where('cache_key', '=', cacheKey)
    .where('last_hit_at', '<', sql<Date>`now() - interval '1 hour'`)
    .execute();
}

/** Forgets a ready entry whose object is gone, so the next request builds it again. */
export async function forgetEntry(db: Db, cacheKey: string): Promise<void> {
  await db.deleteFrom('avatar_delivery_cache').where('cache_key', '=', cacheKey).execute();
}

/**
 * The hit path in one query: the id's owner and privacy and, when a memo for these parameters is still
 * valid (same config version, same catalog generation), the ready cache entry it leads to. The config's
 * `updated_at` is read as a version stamp only; resolving the config stays with the avatars service.
 */
export function findForRequest(db: Db, publicId: string, params: string) {
  return db
    .selectFrom('avatar_delivery_ids as d')
    .leftJoin('avatar_configs as c', 'c.user_id', 'd.user_id')
    .innerJoin('avatar_delivery_generation as g', (join) => join.onTrue())
    .leftJoin('avatar_delivery_memo as m', (join) =>
      join
        .onRef('m.public_id', '=', 'd.public_id')
        .on('m.params', '=', params)
        .onRef('m.generation', '=', 'g.generation')
        // Compared at millisecond precision: the memo's stamp went through a JS Date.
        .on(sql<boolean>`m.config_updated_at is not distinct from date_trunc('milliseconds', c.updated_at)`),
    )
    .leftJoin('avatar_delivery_cache as e', (join) =>
      join.onRef('e.cache_key', '=', 'm.cache_key').on('e.status', '=', 'ready'),
    )
    .select([
      'd.user_id',
      'd.private',
      'c.updated_at as config_updated_at',
      'g.generation',
      'e.cache_key',
      'e.storage_key',
      'e.sha256',
      'e.bytes',
    ])
    .where('d.public_id', '=', publicId)
    .executeTakeFirst();
}
export type RequestRow = NonNullable<Awaited<ReturnType<typeof findForRequest>>>;

export async function rememberEntry(
  db: Db,
  memo: {
    publicId: string;
    params: string;
    userId: string;
    cacheKey: string;
    configUpdatedAt: Date | null;
    generation: string;
  },
): Promise<void> {
  const values = {
    user_id: memo.userId,
    cache_key: memo.cacheKey,
    config_updated_at: memo.configUpdatedAt,
    generation: memo.generation,
  };
  await db
    .insertInto('avatar_delivery_memo')
    .values({ public_id: memo.publicId, params: memo.params, ...values })
    .onConflict((oc) => oc.columns(['public_id', 'params']).doUpdateSet(values))
    .execute();
}
