import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Row types for every table, kept by hand beside the migrations that create them. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
}

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  role: 'player' | 'admin';
  created_at: CreatedAt;
  last_seen_at: Date | null;
}
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Date;
}
export type SessionRow = Selectable<SessionsTable>;

export interface RateLimitsTable {
  key: string;
  window_start: Date;
  count: number;
}
