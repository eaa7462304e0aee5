import type { AssetStatus, AssetType } from '@avatar/contracts';
import { type ExpressionBuilder, type SelectQueryBuilder, sql, type Transaction } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Db } from '../../db/database.ts';
import type { AssetRow, Database, NewAssetRow } from '../../db/tables.ts';

const summaryColumns = [
  'id',
  'asset_type',
  'name',
  'key',
  'category',
  'tags',
  'version',
  'file_size',
  'mime_type',
  'sha256',
  'storage_key',
  'thumbnail_key',
  'status',
  'status_reason',
  'replaced_by',
  'uploaded_by',
  'created_at',
  'updated_at',
] as const;

/** A list row: no metadata (it can be large), but the triangle count and an exact cursor timestamp. */
export type AssetSummaryRow = Pick<AssetRow, (typeof summaryColumns)[number]> & {
  triangles: number | null;
  cursor_at: string;
};

type Select<O> = SelectQueryBuilder<Database, 'asset_catalog', O>;

function selectSummary(db: Db | Transaction<Database>) {
  return db
    .selectFrom('asset_catalog')
    .select(summaryColumns)
    .select([
      sql<number | null>`(metadata->'geometry'->>'triangles')::int`.as('triangles'),
      // Microsecond precision: a millisecond JS Date would skip or repeat rows created in the same ms.
      sql<string>`created_at::text`.as('cursor_at'),
    ]);
}

export interface CatalogFilter {
  type?: AssetType;
  category?: string;
  tags?: string[];
  tagMode: 'any' | 'all';
  statuses?: AssetStatus[];
  uploadedBy?: string;
  key?: string;
}

function filtered<O>(query: Select<O>, f: CatalogFilter): Select<O> {
  let q = query;
  if (f.type) q = q.where('asset_type', '=', f.type);
  if (f.category) q = q.where('category', '=', f.category);
  if (f.statuses) q = q.where('status', 'in', f.statuses);
  if (f.uploadedBy) q = q.where('uploaded_by', '=', f.uploadedBy);
  if (f.key) q = q.where('key', '=', f.key);
  if (f.tags?.length) {
    const tags = sql`${sql.val(f.tags)}::text[]`;
    q = q.where(f.tagMode === 'all' ? sql<boolean>`tags @> ${tags}` : sql<boolean>`tags && ${tags}`);
  }
  return q;
}

export type ListSort = 'newest' | 'name' | 'version';
export type ListAfter =
  | { sort: 'newest'; at: string; id: string }
  | { sort: 'name'; name: string; id: string }
  | { sort: 'version'; major: number; minor: number; patch: number; id: string };

export function listAssets(db: Db, f: CatalogFilter, sort: ListSort, limit: number, after?: ListAfter) {
  let q = filtered(selectSummary(db), f);
  if (sort === 'newest') {
    if (after?.sort === 'newest')
      q = q.where(sql<boolean>`(created_at, id) < (${after.at}::timestamptz, ${after.id}::uuid)`);
    q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
  } else if (sort === 'name') {
    if (after?.sort === 'name') q = q.where(sql<boolean>`(name, id) > (${after.name}, ${after.id}::uuid)`);
    q = q.orderBy('name').orderBy('id');
  } else {
    if (after?.sort === 'version') {
      q = q.where(
        sql<boolean>`(version_major, version_minor, version_patch, id) < (${after.major}, ${after.minor}, ${after.patch}, ${after.id}::uuid)`,
      );
    }
    q = q.orderBy('version_major', 'desc').orderBy('version_minor', 'desc').orderBy('version_patch', 'desc');
    q = q.orderBy('id', 'desc');
  }
  return q.select(['version_major', 'version_minor', 'version_patch']).limit(limit).execute();
}

const matches = (tsquery: string) => sql<boolean>`search_vector @@ to_tsquery('simple', ${tsquery})`;

/**
 * Ranked matches; ranks are compared as text-exact `real`s so the keyset is stable across pages.
 * The inner query ranks every match but reads only ids: computing the summary columns (the triangle
 * count parses each row's metadata) for every match cost more than the ranking on a broad query.
 */
export function searchAssets(
  db: Db,
  tsquery: string,
  f: CatalogFilter,
  limit: number,
  after?: { rank: string; id: string },
) {
  const rank = sql<number>`ts_rank(search_vector, to_tsquery('simple', ${tsquery}))`;
  let page = filtered(db.selectFrom('asset_catalog'), f).where(matches(tsquery));
  if (after) {
    page = page.where(
      sql<boolean>`(${rank} < ${after.rank}::real or (${rank} = ${after.rank}::real and id > ${after.id}::uuid))`,
    );
  }
  return selectSummary(db)
    .where('id', 'in', page.select('id').orderBy(rank, 'desc').orderBy('id').limit(limit))
    .select(sql<string>`${rank}::text`.as('rank'))
    .orderBy(rank, 'desc')
    .orderBy('id')
    .execute();
}

/**
 * Counts by type, category and tag (top 25, most frequent first, ties by name) from one scan of the
 * matches, in one round trip: three queries each visited every matching row of a broad search.
 */
export async function facets(db: Db, tsquery: string, f: CatalogFilter) {
  const count = sql<number>`count(*)::int`;
  return db
    .with('matched', (qc) =>
      filtered(qc.selectFrom('asset_catalog'), f)
        .where(matches(tsquery))
        .select(['asset_type', 'category', 'tags']),
    )
    .selectNoFrom((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('matched')
          .select(['asset_type as value', count.as('count')])
          .groupBy('asset_type')
          .orderBy('count', 'desc')
          .orderBy('value'),
      ).as('type'),
      jsonArrayFrom(
        eb
          .selectFrom('matched')
          .select(['category as value', count.as('count')])
          .groupBy('category')
          .orderBy('count', 'desc')
          .orderBy('value'),
      ).as('category'),
      jsonArrayFrom(
        eb
          .selectFrom('matched')
          .select([sql<string>`unnest(tags)`.as('value'), count.as('count')])
          .groupBy('value')
          .orderBy('count', 'desc')
          .orderBy('value')
          .limit(25),
      ).as('tag'),
    ])
    .executeTakeFirstOrThrow();
}

export function findAsset(db: Db | Transaction<Database>, id: string): Promise<AssetRow | undefined> {
  return db.selectFrom('asset_catalog').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findBySha256(db: Db | Transaction<Database>, sha256: string) {
  return db
    .selectFrom('asset_catalog')
    .select(['id', 'key', 'version'])
    .where('sha256', '=', sha256)
    .executeTakeFirst();
}

export function insertAsset(trx: Transaction<Database>, row: NewAssetRow): Promise<AssetRow> {
  return trx.insertInto('asset_catalog').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateAsset(
  db: Db | Transaction<Database>,
  id: string,
  patch: Partial<
    Pick<
      AssetRow,
      'name' | 'category' | 'tags' | 'status' | 'status_reason' | 'replaced_by' | 'thumbnail_key'
    >
  > & {
    metadata?: string;
  },
): Promise<AssetRow | undefined> {
  return db
    .updateTable('asset_catalog')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Serialises version creation per key until the transaction ends (two admins, one next version). */
export async function lockKey(trx: Transaction<Database>, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`asset-key:${key}`}, 0))`.execute(trx);
}

export function latestVersion(db: Db | Transaction<Database>, key: string, statuses?: AssetStatus[]) {
  let q = db.selectFrom('asset_catalog').selectAll().where('key', '=', key);
  if (statuses) q = q.where('status', 'in', statuses);
  return q
    .orderBy('version_major', 'desc')
    .orderBy('version_minor', 'desc')
    .orderBy('version_patch', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function listVersions(db: Db, key: string, statuses?: AssetStatus[]) {
  return listAssets(db, { key, statuses, tagMode: 'any' }, 'version', 1000);
}

export async function countConfigsReferencing(db: Db | Transaction<Database>, id: string): Promise<number> {
  const row = await db
    .selectFrom('avatar_configs')
    .select(sql<number>`count(*)::int`.as('n'))
    .where((eb: ExpressionBuilder<Database, 'avatar_configs'>) =>
      eb.or([eb('model_asset_id', '=', id), sql<boolean>`parts @? ${`$.** ? (@ == "${id}")`}::jsonpath`]),
    )
    .executeTakeFirstOrThrow();
  return row.n;
}
