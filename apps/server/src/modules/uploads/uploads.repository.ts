import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { AssetRow, Database, PendingUploadRow } from '../../db/tables.ts';

type Executor = Db | Transaction<Database>;

export function insertPending(
  db: Executor,
  row: {
    id?: string;
    kind: 'direct' | 'store';
    storage_key: string;
    created_by: string | null;
    expected_size?: number | null;
    filename?: string | null;
    expiresInSeconds: number;
  },
): Promise<PendingUploadRow> {
  const { expiresInSeconds, ...values } = row;
  return db
    .insertInto('pending_uploads')
    .values({ ...values, expires_at: sql<Date>`now() + make_interval(secs => ${expiresInSeconds})` })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findPending(db: Executor, id: string): Promise<PendingUploadRow | undefined> {
  return db.selectFrom('pending_uploads').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deletePendingByKey(db: Executor, storageKey: string): Promise<void> {
  await db.deleteFrom('pending_uploads').where('storage_key', '=', storageKey).execute();
}

/** Pending uploads past their expiry, with whether a catalog row has since claimed their object. */
export function listExpiredPending(db: Db, limit: number) {
  return db
    .selectFrom('pending_uploads as p')
    .select(['p.id', 'p.kind', 'p.storage_key'])
    .select((eb) =>
      eb
        .exists(
          eb.selectFrom('asset_catalog as a').select('a.id').whereRef('a.storage_key', '=', 'p.storage_key'),
        )
        .as('claimed'),
    )
    .where('p.expires_at', '<', sql<Date>`now()`)
    .orderBy('p.expires_at')
    .limit(limit)
    .execute();
}

export async function deletePending(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('pending_uploads').where('id', '=', id).execute();
}

/** Serialises uploads of the same bytes until the transaction ends, so two cannot both pass the check. */
export async function lockSha256(trx: Transaction<Database>, sha256: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`asset-sha256:${sha256}`}, 0))`.execute(trx);
}

/** The processing job's only writes to the catalog: each applies only while the asset is still processing. */
export function updateProcessing(
  db: Db,
  id: string,
  patch: {
    status?: 'active' | 'failed';
    status_reason: string | null;
    metadata?: string;
    thumbnail_key?: string;
  },
): Promise<AssetRow | undefined> {
  return db
    .updateTable('asset_catalog')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .returningAll()
    .executeTakeFirst();
}
