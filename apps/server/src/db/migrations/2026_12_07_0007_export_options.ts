import { type Kysely, sql } from 'kysely';

/**
 * What an export was asked to look like beyond format and quality (camera, background, pose), kept on
 * the row so that a queued job, or a sync export handed to the queue, draws what the request asked for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('exports')
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('exports').dropColumn('options').execute();
}
