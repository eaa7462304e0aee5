import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { NewUserRow, UserRow } from '../../db/tables.ts';

const userColumns = ['id', 'email', 'role', 'password_hash', 'created_at', 'last_seen_at'] as const;

export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(userColumns).where('email', '=', email).executeTakeFirst();
}

export function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst();
}

/** Inserts unless the email exists; answers undefined when it did. */
export function insertUser(db: Db, user: NewUserRow): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values(user)
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(userColumns)
    .executeTakeFirst();
}

export function updateUserRole(db: Db, id: string, role: UserRow['role']): Promise<UserRow | undefined> {
  return db.updateTable('users').set({ role }).where('id', '=', id).returning(userColumns).executeTakeFirst();
}

export function listUsers(
  db: Db,
  limit: number,
  after?: { createdAt: Date; id: string },
): Promise<UserRow[]> {
  let query = db.selectFrom('users').select(userColumns);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  return query.orderBy('created_at').orderBy('id').limit(limit).execute();
}

export async function insertSession(
  db: Db,
  tokenHash: string,
  userId: string,
  expiresAt: Date,
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({ token_hash: tokenHash, user_id: userId, expires_at: expiresAt })
    .execute();
}

/** The session's user, when the session exists and has not expired. */
export function findLiveSession(db: Db, tokenHash: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.token_hash',
      'sessions.expires_at',
      'users.id',
      'users.email',
      'users.role',
      'users.created_at',
      'users.last_seen_at',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** Ends every session of one user (a role change: privileges are re-issued with a new session id). */
export async function deleteUserSessions(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function deleteExpiredSessions(db: Db): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('expires_at', '<=', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Records activity at most once per five minutes per user, so reads do not become writes. */
export async function touchLastSeen(db: Db, userId: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ last_seen_at: sql`now()` })
    .where('id', '=', userId)
    .where((eb) =>
      eb.or([
        eb('last_seen_at', 'is', null),
        eb('last_seen_at', '<', sql<Date>`now() - interval '5 minutes'`),
      ]),
    )
    .execute();
}
