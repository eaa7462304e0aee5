import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('exports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('quality', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('sync', 'async')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'processing', 'completed', 'failed')`),
    )
    .addColumn('storage_key', 'text')
    .addColumn('bytes', 'bigint')
    .addColumn('duration_ms', 'integer')
    .addColumn('triangles', 'integer')
    .addColumn('error_code', 'text')
    .addColumn('request_id', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint(
      'exports_completed_has_file',
      sql`status <> 'completed' or (storage_key is not null and bytes is not null and completed_at is not null)`,
    )
    .execute();
  // The owner's recent exports; the health check's last hour; the retention sweep.
  await db.schema
    .createIndex('exports_user_created_idx')
    .on('exports')
    .columns(['user_id', 'created_at desc'])
    .execute();
  await db.schema.createIndex('exports_completed_at_idx').on('exports').column('completed_at').execute();
  await db.schema.createIndex('exports_expires_at_idx').on('exports').column('expires_at').execute();

  // The object behind glb_url: signed URLs expire, so reads sign a fresh one from the key.
  await db.schema.alterTable('avatar_configs').addColumn('glb_key', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('avatar_configs').dropColumn('glb_key').execute();
  await db.schema.dropTable('exports').execute();
}
