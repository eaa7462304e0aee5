import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import type { Deps } from '../../trpc/context.ts';
import { fieldsFor, type MigrateAssetsOptions, migrateAssets, pointsAt } from './migrate-assets.ts';
import { fixture, snapshot } from './uploads.test-support.ts';

let app: TestApp;
let deps: Deps;
const users: Record<string, string> = {};

const options = (dryRun: boolean, lines: string[] = []): MigrateAssetsOptions => ({
  prefix: 'models/',
  dryRun,
  type: 'base_model',
  category: 'humanoid',
  keyPrefix: 'migrated',
  uploadedBy: null,
  log: (line) => lines.push(line),
});

const configs = async () =>
  Object.fromEntries(
    (await app.database.db.selectFrom('avatar_configs').select(['user_id', 'model_asset_id']).execute()).map(
      (c) => [c.user_id, c.model_asset_id],
    ),
  );

beforeAll(async () => {
  app = await startTestApp();
  deps = {
    config: app.config,
    db: app.database.db,
    storage: app.storage,
    jobs: app.jobs,
    logger: pino({ level: 'silent' }),
  };
  const put = (key: string, bytes: Uint8Array) =>
    app.storage.put(key, Buffer.from(bytes), { contentType: 'model/gltf-binary' });
  await put('models/base_model/creature/Red_Fox.glb', fixture('Fox.glb'));
  await put('models/knight.glb', fixture('chr_knight.glb'));
  await put('models/zz-copies/knight-again.glb', fixture('chr_knight.glb'));
  await put('models/broken.glb', fixture('Fox.glb').subarray(0, 5000));
  await put('models/readme.txt', new TextEncoder().encode('not a model'));
  await put('elsewhere/robot.glb', fixture('RobotExpressive.glb'));
  for (const name of ['a', 'b', 'c', 'd']) users[name] = (await app.userWithToken('player')).id;
  const seeded = await app.database.db
    .insertInto('asset_catalog')
    .values({
      asset_type: 'hair',
      name: 'Already linked',
      key: 'hair/linked',
      category: 'short',
      tags: [],
      version: '1.0.0',
      version_major: 1,
      version_minor: 0,
      version_patch: 0,
      file_size: 1,
      mime_type: 'model/gltf-binary',
      sha256: 'f'.repeat(64),
      storage_key: 'assets/hair/short/1.0.0/seed.glb',
      status: 'active',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await app.database.db
    .insertInto('avatar_configs')
    .values([
      { user_id: users.a!, model_url: 'https://cdn.example.com/models/knight.glb?v=3' },
      { user_id: users.b!, model_url: '/files/models/base_model/creature/Red_Fox.glb?exp=1&sig=x' },
      { user_id: users.c!, model_url: 'https://cdn.example.com/models/unknown.glb' },
      { user_id: users.d!, model_url: 'models/knight.glb', model_asset_id: seeded.id },
    ])
    .execute();
});
afterAll(() => app?.close());

describe('migrateAssets', () => {
  it('with --dry-run prints what it would do and changes nothing', async () => {
    const [before, configsBefore] = [await snapshot(app), await configs()];
    const lines: string[] = [];
    const report = await migrateAssets(deps, options(true, lines));
    expect(report).toEqual({ scanned: 5, created: 2, existing: 1, skipped: 1, invalid: 1, linked: 2 });
    expect(lines.join('\n')).toMatch(
      /would create models\/knight\.glb -> base_model\/humanoid "migrated\/knight"/,
    );
    expect(lines.join('\n')).toMatch(/invalid models\/broken\.glb: .*GLB_TRUNCATED/);
    expect(await snapshot(app)).toEqual(before);
    expect(await configs()).toEqual(configsBefore);
  });

  it('creates entries through the upload pipeline and back-fills model_asset_id', async () => {
    const lines: string[] = [];
    const report = await migrateAssets(deps, options(false, lines));
    expect(report).toEqual({ scanned: 5, created: 2, existing: 1, skipped: 1, invalid: 1, linked: 2 });
    const rows = await app.database.db
      .selectFrom('asset_catalog')
      .select(['id', 'key', 'asset_type', 'category', 'status', 'storage_key'])
      .where('key', 'like', 'migrated/%')
      .orderBy('key')
      .execute();
    expect(rows).toMatchObject([
      {
        key: 'migrated/base-model/creature/red-fox',
        asset_type: 'base_model',
        category: 'creature',
        status: 'processing',
      },
      { key: 'migrated/knight', asset_type: 'base_model', category: 'humanoid', status: 'processing' },
    ]);
    for (const row of rows) expect(await app.storage.head(row.storage_key)).not.toBeNull();
    const [fox, knight] = rows;
    expect(await configs()).toMatchObject({
      [users.a!]: knight!.id,
      [users.b!]: fox!.id,
      [users.c!]: null,
    });
    // A copy of the same bytes links to the asset made from the first one.
    expect(lines.join('\n')).toContain(`exists  models/zz-copies/knight-again.glb = ${knight!.id}`);
  });

  it('changes nothing when run a second time', async () => {
    const [before, configsBefore] = [await snapshot(app), await configs()];
    const report = await migrateAssets(deps, options(false));
    expect(report).toEqual({ scanned: 5, created: 0, existing: 3, skipped: 1, invalid: 1, linked: 0 });
    expect(await snapshot(app)).toEqual(before);
    expect(await configs()).toEqual(configsBefore);
  });
});

describe('mapping paths', () => {
  it('derives type, category, key and name from the path', () => {
    const base = {
      prefix: 'models/',
      type: 'base_model',
      category: 'humanoid',
      keyPrefix: 'migrated',
    } as const;
    expect(fieldsFor('models/hair/short/Bob Cut.glb', base)).toMatchObject({
      type: 'hair',
      category: 'short',
      key: 'migrated/hair/short/bob-cut',
      name: 'Bob Cut',
    });
    expect(fieldsFor('models/hair/spiky/x.glb', base)).toMatchObject({
      type: 'base_model',
      category: 'humanoid',
    });
  });

  it('matches legacy model URLs to storage keys', () => {
    expect(pointsAt('https://cdn.example.com/models/a%20b.glb?x=1', 'models/a b.glb')).toBe(true);
    expect(pointsAt('models/a.glb', 'models/a.glb')).toBe(true);
    expect(pointsAt('https://cdn.example.com/othermodels/a.glb', 'models/a.glb')).toBe(false);
  });
});
