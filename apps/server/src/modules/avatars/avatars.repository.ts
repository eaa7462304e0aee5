import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/tables.ts';

const configColumns = [
  'user_id',
  'model_asset_id',
  'model_url',
  'parts',
  'colors',
  'morphs',
  'glb_url',
  'glb_generated_at',
  'glb_key',
  'updated_at',
] as const;

export function findConfig(db: Db | Transaction<Database>, userId: string) {
  return db
    .selectFrom('avatar_configs')
    .select(configColumns)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}
export type AvatarConfigRow = NonNullable<Awaited<ReturnType<typeof findConfig>>>;

export interface ConfigValues {
  model_asset_id: string | null;
  model_url: string | null;
  parts: Record<string, unknown>;
  colors: Record<string, string>;
  morphs: Record<string, number>;
}

/** Replaces the user's config, keeping the GLB export fields (they describe the last export, not the config). */
export function saveConfig(db: Db, userId: string, values: ConfigValues) {
  const row = {
    model_asset_id: values.model_asset_id,
    model_url: values.model_url,
    parts: JSON.stringify(values.parts),
    colors: JSON.stringify(values.colors),
    morphs: JSON.stringify(values.morphs),
  };
  return db
    .insertInto('avatar_configs')
    .values({ user_id: userId, ...row })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...row, updated_at: sql<Date>`now()` }))
    .returning(configColumns)
    .executeTakeFirstOrThrow();
}

/** Part of finishing a GLB export: in its transaction, so the config never names a file that is not there. */
export async function recordGlb(
  trx: Transaction<Database>,
  userId: string,
  glb: { url: string; key: string; generatedAt: Date },
): Promise<void> {
  const values = { glb_url: glb.url, glb_key: glb.key, glb_generated_at: glb.generatedAt };
  await trx
    .insertInto('avatar_configs')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

/** Forgets GLBs whose objects are going away; answers how many configs changed. */
export async function clearGlbByKeys(db: Db | Transaction<Database>, keys: string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const result = await db
    .updateTable('avatar_configs')
    .set({ glb_url: null, glb_key: null, glb_generated_at: null })
    .where('glb_key', 'in', keys)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Forgets GLBs generated before `olderThan`, or of users not seen since `inactiveSince`; answers the
 * object keys they named, for the caller to delete, and how many configs changed.
 */
export async function clearStaleGlbs(
  db: Db,
  olderThan: Date,
  inactiveSince: Date,
): Promise<{ cleared: number; keys: string[] }> {
  return db.transaction().execute(async (trx) => {
    const stale = await trx
      .selectFrom('avatar_configs')
      .innerJoin('users', 'users.id', 'avatar_configs.user_id')
      .select(['avatar_configs.user_id', 'avatar_configs.glb_key'])
      .where((eb) =>
        eb.and([
          eb.or([eb('avatar_configs.glb_url', 'is not', null), eb('avatar_configs.glb_key', 'is not', null)]),
          eb.or([
            eb('avatar_configs.glb_generated_at', '<', olderThan),
            eb(sql`coalesce(users.last_seen_at, users.created_at)`, '<', inactiveSince),
          ]),
        ]),
      )
      .execute();
    if (stale.length === 0) return { cleared: 0, keys: [] };
    await trx
      .updateTable('avatar_configs')
      .set({ glb_url: null, glb_key: null, glb_generated_at: null })
      .where(
        'user_id',
        'in',
        stale.map((row) => row.user_id),
      )
      .execute();
    const keys = stale.map((row) => row.glb_key).filter((key): key is string => key !== null);
    return { cleared: stale.length, keys };
  });
}
