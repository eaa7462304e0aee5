import { type Kysely, sql } from 'kysely';

/**
 * Avatar delivery URLs (`GET /avatars/{publicId}.glb`).
 * - `avatar_delivery_ids`: one row per avatar config (configs are one per user), made the first time its
 *   owner asks for the URL: the public id (random, rotatable) and whether the URL needs a signature.
 * - `avatar_delivery_cache`: one row per derived GLB, keyed by a hash of the config's content and the
 *   normalized parameters. A row in `building` is a lease: the process that inserted it builds, the others
 *   wait for it (single flight across processes); a lease past `lease_until` may be taken over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('avatar_delivery_ids')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('public_id', 'text', (c) => c.notNull().unique())
    .addColumn('private', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('rotated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('avatar_delivery_cache')
    .addColumn('cache_key', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('building', 'ready', 'failed')`))
    .addColumn('lease_until', 'timestamptz')
    .addColumn('storage_key', 'text')
    .addColumn('bytes', 'bigint')
    .addColumn('sha256', 'text')
    .addColumn('triangles', 'integer')
    .addColumn('draw_calls', 'integer')
    .addColumn('build_ms', 'integer')
    .addColumn('error_code', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_hit_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'avatar_delivery_cache_ready_has_file',
      sql`status <> 'ready' or (storage_key is not null and bytes is not null and sha256 is not null)`,
    )
    .execute();
  // A user's entries (their removal with the user); the sweep of entries nobody asked for in a while.
  await db.schema
    .createIndex('avatar_delivery_cache_user_idx')
    .on('avatar_delivery_cache')
    .column('user_id')
    .execute();
  await db.schema
    .createIndex('avatar_delivery_cache_last_hit_idx')
    .on('avatar_delivery_cache')
    .column('last_hit_at')
    .execute();

  // The hit path's shortcut: which cache entry (public id, parameters) led to, valid while the config's
  // updated_at and the catalog generation are what they were. The generation moves whenever a catalog
  // row changes in a way that can change what a config resolves to (status, replacement, file), so a
  // deprecation is seen by every process at once; a stale memo only sends a request down the full path.
  await db.schema
    .createTable('avatar_delivery_generation')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('generation', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`insert into avatar_delivery_generation (id, generation) values (true, 0)`.execute(db);
  await sql`
    create function avatar_delivery_bump_generation() returns trigger language plpgsql as $$
    begin
      update avatar_delivery_generation set generation = generation + 1;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger asset_catalog_delivery_generation
    after update of status, replaced_by, storage_key, sha256 or delete on asset_catalog
    for each statement execute function avatar_delivery_bump_generation()`.execute(db);
  await db.schema
    .createTable('avatar_delivery_memo')
    .addColumn('public_id', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('cache_key', 'text', (c) => c.notNull())
    .addColumn('config_updated_at', 'timestamptz')
    .addColumn('generation', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('avatar_delivery_memo_pk', ['public_id', 'params'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('avatar_delivery_memo').execute();
  await sql`drop trigger asset_catalog_delivery_generation on asset_catalog`.execute(db);
  await sql`drop function avatar_delivery_bump_generation()`.execute(db);
  await db.schema.dropTable('avatar_delivery_generation').execute();
  await db.schema.dropTable('avatar_delivery_cache').execute();
  await db.schema.dropTable('avatar_delivery_ids').execute();
}
