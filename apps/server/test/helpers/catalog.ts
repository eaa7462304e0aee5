import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/database.ts';
import type { AssetRow, NewAssetRow } from '../../src/db/tables.ts';

export { FIXTURES } from '../../../../packages/asset-core/test/fixtures-dir.ts';

/**
 * A catalog row written straight to the database, for tests that exercise reading (lists, search) rather
 * than publishing. Its storage key names no object.
 */
export async function seedAsset(
  db: Db,
  overrides: Partial<NewAssetRow> & { version?: string } = {},
): Promise<AssetRow> {
  const id = overrides.id ?? randomUUID();
  const version = overrides.version ?? '1.0.0';
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  return db
    .insertInto('asset_catalog')
    .values({
      id,
      asset_type: 'hair',
      name: 'Seeded asset',
      key: `seeded/${id.slice(0, 8)}`,
      category: 'short',
      tags: [],
      file_size: 1000,
      mime_type: 'model/gltf-binary',
      sha256: randomBytes(32).toString('hex'),
      storage_key: `assets/seeded/${id}.glb`,
      status: 'active',
      ...overrides,
      version,
      version_major: major,
      version_minor: minor,
      version_patch: patch,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
