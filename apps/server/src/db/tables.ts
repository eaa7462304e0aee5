import type { ColumnType, Generated, Insertable, RawBuilder, Selectable, Updateable } from 'kysely';

/** Row types for every table, kept by hand beside the migrations that create them. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  asset_catalog: AssetCatalogTable;
  avatar_configs: AvatarConfigsTable;
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

export interface AssetCatalogTable {
  id: Generated<string>;
  asset_type: string;
  name: string;
  key: string;
  category: string;
  tags: string[];
  version: string;
  version_major: number;
  version_minor: number;
  version_patch: number;
  // bigint arrives from pg as a string; the mapper turns it into a number (files are far below 2^53).
  file_size: ColumnType<string, number, number>;
  mime_type: string;
  sha256: string;
  storage_key: string;
  thumbnail_key: string | null;
  metadata: ColumnType<unknown, string | null, string | null>;
  status: 'processing' | 'active' | 'deprecated' | 'failed';
  status_reason: string | null;
  replaced_by: string | null;
  uploaded_by: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | undefined, Date | RawNow>;
  search_vector: ColumnType<string, never, never>;
}
export type AssetRow = Selectable<AssetCatalogTable>;
export type NewAssetRow = Insertable<AssetCatalogTable>;

/** `sql\`now()\`` in an update. */
type RawNow = RawBuilder<Date>;

export interface AvatarConfigsTable {
  user_id: string;
  model_asset_id: string | null;
  model_url: string | null;
  parts: ColumnType<Record<string, unknown>, string | undefined, string>;
  colors: ColumnType<Record<string, unknown>, string | undefined, string>;
  morphs: ColumnType<Record<string, unknown>, string | undefined, string>;
  glb_url: string | null;
  glb_generated_at: Date | null;
  updated_at: ColumnType<Date, Date | undefined, Date | RawNow>;
}
