import { type Kysely, sql } from 'kysely';

/**
 * NOTIFY `sessions` when a session ends (logout, a role change, the expiry sweep), so that every API
 * process forgets the sessions it keeps in memory (`auth.service.ts`). New sessions need no notice: a
 * token nobody has seen is not in any cache. Uses migration 0008's `notify_change`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create trigger sessions_notify after update or delete on sessions
    for each statement execute function notify_change('sessions')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger sessions_notify on sessions`.execute(db);
}
