import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

export interface Window {
  count: number;
  resetsAt: Date;
}

/** Adds one hit to a fixed window (a new window starts once the old one is over), atomically. */
export async function hit(db: Db, key: string, windowSeconds: number): Promise<Window> {
  const expired = sql<boolean>`rate_limits.window_start <= now() - make_interval(secs => ${windowSeconds})`;
  const row = await db
    .insertInto('rate_limits')
    .values({ key, window_start: sql`now()`, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql`case when ${expired} then 1 else rate_limits.count + 1 end`,
        window_start: sql`case when ${expired} then now() else rate_limits.window_start end`,
      }),
    )
    .returning(['count', sql<Date>`window_start + make_interval(secs => ${windowSeconds})`.as('resets_at')])
    .executeTakeFirstOrThrow();
  return { count: row.count, resetsAt: row.resets_at };
}

/** The live window's count without adding to it (0 when none or over). */
export async function peek(db: Db, key: string, windowSeconds: number): Promise<Window> {
  const row = await db
    .selectFrom('rate_limits')
    .select(['count', sql<Date>`window_start + make_interval(secs => ${windowSeconds})`.as('resets_at')])
    .where('key', '=', key)
    .where('window_start', '>', sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
    .executeTakeFirst();
  return row ? { count: row.count, resetsAt: row.resets_at } : { count: 0, resetsAt: new Date() };
}

export async function reset(db: Db, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}
