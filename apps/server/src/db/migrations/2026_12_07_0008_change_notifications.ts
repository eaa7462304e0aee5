import { type Kysely, sql } from 'kysely';

/**
 * NOTIFY on the channels of `db/change-feed.ts`, so that every API process drops its in-memory caches of
 * what changed, whichever process changed it. Statement-level triggers: one notification per statement,
 * and PostgreSQL folds repeats within a transaction and delivers them at commit.
 */
const TRIGGERS = [
  // [trigger, table, events, channel]
  ['avatar_configs_notify', 'avatar_configs', 'insert or update or delete', 'avatar_delivery'],
  ['avatar_delivery_ids_notify', 'avatar_delivery_ids', 'update or delete', 'avatar_delivery'],
  // Entries become ready by update (a memo only ever points at a ready one); they change after that only by delete.
  ['avatar_delivery_cache_notify', 'avatar_delivery_cache', 'delete', 'avatar_delivery'],
  // Moved by the catalog's trigger (migration 0005) whenever what configs resolve to can change.
  ['avatar_delivery_generation_notify', 'avatar_delivery_generation', 'update', 'avatar_delivery'],
  // Catalog reads (list, search, one asset) kept in memory by the catalog service.
  ['asset_catalog_notify', 'asset_catalog', 'insert or update or delete', 'catalog'],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function notify_change() returns trigger language plpgsql as $$
    begin
      perform pg_notify(tg_argv[0], '');
      return null;
    end $$`.execute(db);
  for (const [name, table, events, channel] of TRIGGERS) {
    await sql
      .raw(
        `create trigger ${name} after ${events} on ${table} for each statement execute function notify_change('${channel}')`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name, table] of TRIGGERS) await sql.raw(`drop trigger ${name} on ${table}`).execute(db);
  await sql`drop function notify_change()`.execute(db);
}
