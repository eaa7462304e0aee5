import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Db } from '../apps/server/src/db/database.ts';
import type { AssetStorage } from '../apps/server/src/storage/storage.types.ts';
import { FIXTURES } from '../packages/asset-core/test/fixtures-dir.ts';

interface FixtureAsset {
  fixture: string;
  type: string;
  category: string;
}

/** A base model and parts by slot, each one of the fixtures in ../shared/fixtures/glb. */
export interface AvatarFixtures {
  base: FixtureAsset;
  parts: ReadonlyArray<FixtureAsset & { slot: string }>;
}

/**
 * Stores the avatar's files under fresh keys and catalogs them as active 1.0.0 assets, straight into
 * storage and the table (the benches measure what comes after): catalog ids by slot, `base` for the model.
 */
export async function seedAvatarAssets(
  storage: AssetStorage,
  db: Db,
  avatar: AvatarFixtures,
): Promise<Record<string, string>> {
  const store = async (asset: FixtureAsset): Promise<string> => {
    const id = randomUUID();
    const key = `assets/${asset.type}/${asset.category}/1.0.0/${id}.glb`;
    const bytes = readFileSync(new URL(`${asset.fixture}.glb`, FIXTURES));
    await storage.put(key, bytes, { contentType: 'model/gltf-binary' });
    await db
      .insertInto('asset_catalog')
      .values({
        id,
        asset_type: asset.type,
        name: asset.fixture,
        key: `bench/${asset.type}-${id.slice(0, 8)}`,
        category: asset.category,
        tags: [],
        version: '1.0.0',
        version_major: 1,
        version_minor: 0,
        version_patch: 0,
        file_size: bytes.byteLength,
        mime_type: 'model/gltf-binary',
        sha256: randomBytes(32).toString('hex'),
        storage_key: key,
        status: 'active',
      })
      .execute();
    return id;
  };
  const seeded: Record<string, string> = { base: await store(avatar.base) };
  for (const part of avatar.parts) seeded[part.slot] = await store(part);
  return seeded;
}
