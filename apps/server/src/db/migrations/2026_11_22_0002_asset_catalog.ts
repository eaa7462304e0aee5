import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // array_to_string is only STABLE; a generated column needs an IMMUTABLE expression, and for text[] it is.
  await sql`create function catalog_tags_text(text[]) returns text language sql immutable parallel safe
    as $$ select coalesce(array_to_string($1, ' '), '') $$`.execute(db);

  await db.schema
    .createTable('asset_catalog')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('asset_type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('version_major', 'integer', (c) => c.notNull())
    .addColumn('version_minor', 'integer', (c) => c.notNull())
    .addColumn('version_patch', 'integer', (c) => c.notNull())
    .addColumn('file_size', 'bigint', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull().unique())
    .addColumn('thumbnail_key', 'text')
    .addColumn('metadata', 'jsonb')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('processing', 'active', 'deprecated', 'failed')`),
    )
    .addColumn('status_reason', 'text')
    .addColumn('replaced_by', 'uuid', (c) => c.references('asset_catalog.id').onDelete('set null'))
    .addColumn('uploaded_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('search_vector', sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(sql`
        setweight(to_tsvector('simple', name), 'A') ||
        setweight(to_tsvector('simple', replace(replace(key, '/', ' '), '-', ' ')), 'B') ||
        setweight(to_tsvector('simple', catalog_tags_text(tags)), 'B') ||
        setweight(to_tsvector('simple', category), 'C')`)
        .stored(),
    )
    .addUniqueConstraint('asset_catalog_key_version_unique', ['key', 'version'])
    .execute();

  const index = (name: string) => db.schema.createIndex(name).on('asset_catalog');
  // The filtered lists sort newest first; these let PostgreSQL read the page straight off an index.
  await index('asset_catalog_type_category_idx')
    .columns(['asset_type', 'category', 'created_at desc', 'id desc'])
    .execute();
  await index('asset_catalog_status_idx').columns(['status', 'created_at desc', 'id desc']).execute();
  await index('asset_catalog_status_type_idx')
    .columns(['status', 'asset_type', 'created_at desc', 'id desc'])
    .execute();
  await index('asset_catalog_status_name_idx').columns(['status', 'name', 'id']).execute();
  await index('asset_catalog_uploaded_by_idx').column('uploaded_by').execute();
  await index('asset_catalog_key_semver_idx')
    .columns(['key', 'version_major desc', 'version_minor desc', 'version_patch desc'])
    .execute();
  await index('asset_catalog_sha256_idx').column('sha256').execute();
  await index('asset_catalog_tags_idx').using('gin').column('tags').execute();
  await index('asset_catalog_search_idx').using('gin').column('search_vector').execute();

  // Avatar configs arrive with the avatars capability; the catalog already needs to count references.
  await db.schema
    .createTable('avatar_configs')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('model_asset_id', 'uuid', (c) => c.references('asset_catalog.id').onDelete('set null'))
    .addColumn('model_url', 'text')
    .addColumn('parts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('colors', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('morphs', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('glb_url', 'text')
    .addColumn('glb_generated_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('avatar_configs_model_asset_idx')
    .on('avatar_configs')
    .column('model_asset_id')
    .execute();
  await db.schema
    .createIndex('avatar_configs_parts_idx')
    .on('avatar_configs')
    .using('gin')
    .expression(sql`parts jsonb_path_ops`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('avatar_configs').execute();
  await db.schema.dropTable('asset_catalog').execute();
  await sql`drop function catalog_tags_text(text[])`.execute(db);
}
