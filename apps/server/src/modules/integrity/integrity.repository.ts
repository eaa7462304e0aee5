import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/tables.ts';

type Executor = Db | Transaction<Database>;

const ASSET_BASE = /^(assets\/[^/]+\/[^/]+\/[^/]+\/[^/.]+)\./;

/**
 * The part of an asset key that its siblings share: `assets/{type}/{category}/{version}/{id}`. Variants,
 * thumbnails and other files derived from an asset sit beside it under this base, so a row owns every
 * object whose key starts with its base and a dot.
 */
export function assetBase(key: string): string | null {
  return ASSET_BASE.exec(key)?.[1] ?? null;
}

export interface ReferencingRow {
  kind: 'asset' | 'asset-thumbnail' | 'asset-variant' | 'export' | 'avatar-glb';
  id: string;
  key: string;
}

/** Every catalog row's original, thumbnail and recorded variants, with its sha256. */
export async function assetRows(db: Executor) {
  return db
    .selectFrom('asset_catalog')
    .select(['id', 'storage_key', 'thumbnail_key', 'sha256', 'metadata'])
    .orderBy('created_at')
    .execute();
}

export function completedExportKeys(db: Executor) {
  return db
    .selectFrom('exports')
    .select(['id', 'storage_key'])
    .where('storage_key', 'is not', null)
    .execute() as Promise<{ id: string; storage_key: string }[]>;
}

export function avatarGlbKeys(db: Executor) {
  return db
    .selectFrom('avatar_configs')
    .select(['user_id as id', 'glb_key'])
    .where('glb_key', 'is not', null)
    .execute() as Promise<{ id: string; glb_key: string }[]>;
}

export async function pendingKeys(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('pending_uploads').select('storage_key').execute();
  return rows.map((r) => r.storage_key);
}

/**
 * Whether any row refers to `key` right now: the check a deletion makes at the moment it deletes. A
 * pending upload's key counts (its own sweep decides), and an asset row owns its siblings.
 */
export async function isReferenced(db: Executor, key: string): Promise<boolean> {
  const base = assetBase(key);
  const { rows } = await sql<{ referenced: boolean }>`
    select (
      exists (select 1 from asset_catalog where storage_key = ${key} or thumbnail_key = ${key}
              ${base ? sql`or starts_with(storage_key, ${`${base}.`})` : sql``})
      or exists (select 1 from exports where storage_key = ${key})
      or exists (select 1 from avatar_configs where glb_key = ${key})
      or exists (select 1 from pending_uploads where storage_key = ${key})
    ) as referenced`.execute(db);
  return rows[0]?.referenced ?? true;
}

/**
 * Held while one key is checked and deleted, so two repairs (two API processes, or the reaper and an
 * admin) do not race on it.
 */
export async function lockKey(trx: Transaction<Database>, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`integrity-key:${key}`}, 0))`.execute(trx);
}
