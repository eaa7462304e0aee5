import type { Migration } from 'kysely';
import * as m0001 from './2026_11_22_0001_users_sessions.ts';
import * as m0002 from './2026_11_22_0002_asset_catalog.ts';
import * as m0003 from './2026_11_22_0003_uploads.ts';
import * as m0004 from './2026_11_22_0004_exports.ts';
import * as m0005 from './2026_12_07_0005_avatar_delivery.ts';
import * as m0006 from './2026_12_07_0006_reliability.ts';
import * as m0007 from './2026_12_07_0007_export_options.ts';
import * as m0008 from './2026_12_07_0008_change_notifications.ts';
import * as m0009 from './2026_12_07_0009_session_notifications.ts';

/** Every migration, by name; names sort in the order they run. Add new ones at the end. */
export const migrations: Record<string, Migration> = {
  '2026_11_22_0001_users_sessions': m0001,
  '2026_11_22_0002_asset_catalog': m0002,
  '2026_11_22_0003_uploads': m0003,
  '2026_11_22_0004_exports': m0004,
  '2026_12_07_0005_avatar_delivery': m0005,
  '2026_12_07_0006_reliability': m0006,
  '2026_12_07_0007_export_options': m0007,
  '2026_12_07_0008_change_notifications': m0008,
  '2026_12_07_0009_session_notifications': m0009,
};
