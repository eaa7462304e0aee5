import type { ColumnType, Generated, Insertable, RawBuilder, Selectable, Updateable } from 'kysely';

/** Row types for every table, kept by hand beside the migrations that create them. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  asset_catalog: AssetCatalogTable;
  avatar_configs: AvatarConfigsTable;
  pending_uploads: PendingUploadsTable;
  exports: ExportsTable;
  idempotency_keys: IdempotencyKeysTable;
  admin_audit_log: AdminAuditLogTable;
  avatar_delivery_ids: AvatarDeliveryIdsTable;
  avatar_delivery_cache: AvatarDeliveryCacheTable;
  avatar_delivery_generation: AvatarDeliveryGenerationTable;
  avatar_delivery_memo: AvatarDeliveryMemoTable;
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
  /** The object glb_url points at (migration 0004): reads sign a fresh URL from it. */
  glb_key: string | null;
  updated_at: ColumnType<Date, Date | undefined, Date | RawNow>;
}

export interface ExportsTable {
  id: Generated<string>;
  user_id: string;
  format: string;
  quality: string;
  mode: 'sync' | 'async';
  status: 'pending' | 'processing' | 'completed' | 'failed';
  storage_key: string | null;
  // bigint arrives from pg as a string, as asset_catalog.file_size does.
  bytes: ColumnType<string | null, number | null | undefined, number | null>;
  duration_ms: number | null;
  triangles: number | null;
  error_code: string | null;
  request_id: string | null;
  /** Camera, background and pose asked for (contracts' `ExportOptions`); `{}` for none. */
  options: ColumnType<Record<string, unknown>, string | undefined, never>;
  attempts: Generated<number>;
  created_at: CreatedAt;
  started_at: Date | null;
  completed_at: Date | null;
  expires_at: Date;
}
export type ExportRow = Selectable<ExportsTable>;
export type NewExportRow = Insertable<ExportsTable>;

/** Objects written ahead of their catalog row (migration 0003); see the migration for the lifecycle. */
export interface PendingUploadsTable {
  id: Generated<string>;
  kind: 'direct' | 'store';
  storage_key: string;
  created_by: string | null;
  expected_size: ColumnType<string | null, number | null | undefined, number | null>;
  filename: string | null;
  expires_at: Date;
  created_at: CreatedAt;
}
export type PendingUploadRow = Selectable<PendingUploadsTable>;

/** One answer per (user, operation, client key) (migration 0006): see modules/integrity/idempotency.ts. */
export interface IdempotencyKeysTable {
  user_id: string;
  scope: string;
  key: string;
  request_hash: string;
  status: 'pending' | 'done';
  response: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: CreatedAt;
  expires_at: Date;
}

/** What an admin changed, deprecated or removed, and when (migration 0006). */
export interface AdminAuditLogTable {
  id: Generated<string>;
  actor_id: string | null;
  action: string;
  target: string | null;
  details: ColumnType<unknown, string | undefined, never>;
  created_at: CreatedAt;
}

/** The public id of an avatar's delivery URL (migration 0005). */
export interface AvatarDeliveryIdsTable {
  user_id: string;
  public_id: string;
  private: Generated<boolean>;
  rotated_at: ColumnType<Date, Date | undefined, Date | RawNow>;
  created_at: CreatedAt;
}

/** One derived GLB per content hash + parameters (migration 0005); `building` rows are build leases. */
export interface AvatarDeliveryCacheTable {
  cache_key: string;
  user_id: string;
  params: string;
  status: 'building' | 'ready' | 'failed';
  lease_until: Date | null;
  storage_key: string | null;
  bytes: ColumnType<string | null, number | null | undefined, number | null>;
  sha256: string | null;
  triangles: number | null;
  draw_calls: number | null;
  build_ms: number | null;
  error_code: string | null;
  created_at: CreatedAt;
  last_hit_at: ColumnType<Date, Date | undefined, Date | RawNow>;
}

/** One row: bumped by a trigger when catalog rows change what configs resolve to (migration 0005). */
export interface AvatarDeliveryGenerationTable {
  id: boolean;
  generation: ColumnType<string, never, never>;
}

/** (public id, parameters) -> cache entry, valid for one config version and catalog generation (migration 0005). */
export interface AvatarDeliveryMemoTable {
  public_id: string;
  params: string;
  user_id: string;
  cache_key: string;
  config_updated_at: Date | null;
  generation: ColumnType<string, string, string>;
}
