import { type Kysely, sql } from 'kysely';

/**
 * Objects written before their catalog row exists: a direct upload waiting for `complete` (kind `direct`,
 * under `incoming/`) or an upload between its storage write and its row insert (kind `store`). The insert
 * transaction deletes the record; one left behind past `expires_at` names an object nothing else will ever
 * point at, and the sweep removes both.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pending_uploads')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('direct', 'store')`))
    .addColumn('storage_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('expected_size', 'bigint')
    .addColumn('filename', 'text')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('pending_uploads_expires_idx')
    .on('pending_uploads')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('pending_uploads').execute();
}
