import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import type { AssetRow } from '../../db/tables.ts';
import { api, seedFixtureAsset } from './avatars.test-support.ts';

let app: TestApp;
let call: ReturnType<typeof api>;
let robot: AssetRow;
let hair: AssetRow;
let top: AssetRow;
let hat: AssetRow;

beforeAll(async () => {
  app = await startTestApp();
  call = api(app, (await app.userWithToken('player')).token);
  robot = await seedFixtureAsset(app, 'RobotExpressive', { asset_type: 'base_model', category: 'robot' });
  hair = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
  top = await seedFixtureAsset(app, 'chr_knight', { asset_type: 'top', category: 'fantasy' });
  hat = await seedFixtureAsset(app, 'Box', { asset_type: 'accessory', category: 'headwear' });
});
afterAll(() => app?.close());

const setStatus = (id: string, status: AssetRow['status'], replacedBy: string | null = null) =>
  app.database.db
    .updateTable('asset_catalog')
    .set({ status, replaced_by: replacedBy })
    .where('id', '=', id)
    .execute();

const save = (body: unknown) => call('PUT', '/api/v1/character/config', body);
const load = async () => json(await call('GET', '/api/v1/character/config'));

describe('GET /api/v1/character/config', () => {
  it('answers an empty config that draws the built-in fallback before anything is saved', async () => {
    const res = await call('GET', '/api/v1/character/config');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      modelAssetId: null,
      modelUrl: null,
      parts: {},
      colors: {},
      morphs: {},
      resolved: {
        model: { source: 'fallback', assetId: null, url: null },
        parts: { hair: null, top: null, bottom: null, shoes: null, accessories: [] },
      },
      glbUrl: null,
      glbGeneratedAt: null,
      updatedAt: null,
    });
  });

  it('needs a session', async () => {
    const res = await fetch(`${app.baseUrl}/api/v1/character/config`);
    expect(res.status).toBe(401);
  });
});

describe('PUT /api/v1/character/config', () => {
  it('saves a model, parts by slot, colours and morphs, and resolves each to its catalog URL', async () => {
    const res = await save({
      modelAssetId: robot.id,
      parts: { hair: hair.id, top: top.id, accessories: [hat.id] },
      colors: { Main: '#ff8800' },
      morphs: { Angry: 0.5 },
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      modelAssetId: robot.id,
      parts: { hair: hair.id, top: top.id, accessories: [hat.id] },
      colors: { Main: '#ff8800' },
      morphs: { Angry: 0.5 },
      glbUrl: null,
    });
    expect(body.updatedAt).toEqual(expect.any(String));
    expect(body.resolved.model).toMatchObject({ source: 'asset', assetId: robot.id });
    expect(body.resolved.parts.hair).toMatchObject({ source: 'asset', assetId: hair.id });
    expect(body.resolved.parts.accessories).toEqual([expect.objectContaining({ assetId: hat.id })]);
    // The URL serves the asset's file.
    const file = await fetch(body.resolved.model.url);
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBe(584_472);
    expect(await load()).toEqual(body);
  });

  it.each([
    ['a missing asset', () => ({ parts: { hair: randomUUID() } }), /^parts\.hair: no asset with this id/],
    ['an asset in the wrong slot', () => ({ parts: { hair: top.id } }), /a top, and this slot takes a hair$/],
    ['a part as the model', () => ({ modelAssetId: hair.id }), /^modelAssetId: .*takes a base_model$/],
    [
      'an accessory in a list',
      () => ({ parts: { accessories: [hat.id, robot.id] } }),
      /^parts\.accessories\.1:/,
    ],
  ])('refuses %s with 400, keeping the saved config', async (_, body, message) => {
    const before = await load();
    const res = await save(body());
    expect(res.status).toBe(400);
    const error = await json(res);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', reason: 'VALIDATION_FAILED' });
    expect(error.message).toMatch(message);
    expect(await load()).toEqual(before);
  });

  it('refuses a deprecated asset, naming its replacement', async () => {
    const old = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'long' });
    await setStatus(old.id, 'deprecated', hair.id);
    const res = await save({ parts: { hair: old.id } });
    expect(res.status).toBe(400);
    const error = await json(res);
    expect(error.message).toBe('parts.hair: this asset is deprecated; use the version that replaced it');
  });

  it.each([
    ['an unknown slot', { parts: { hat: randomUUID() } }, 'parts', /Unrecognized key: "hat"/],
    ['an unknown field', { modelAssetId: null, pose: 'T' }, '', /Unrecognized key: "pose"/],
    ['a morph weight over 1', { morphs: { Angry: 1.5 } }, 'morphs.Angry', /between 0 and 1/],
    ['a colour that is not #rrggbb', { colors: { Main: 'red' } }, 'colors.Main', /#rrggbb/],
    [
      'six accessories',
      { parts: { accessories: Array.from({ length: 6 }, () => randomUUID()) } },
      'parts.accessories',
      /At most 5/,
    ],
    ['a model URL that is not one', { modelUrl: 'javascript:alert(1)' }, 'modelUrl', /http\(s\) URL/],
  ])('refuses %s with 400 before looking anything up', async (_, body, path, message) => {
    const res = await save(body);
    expect(res.status).toBe(400);
    const error = await json(res);
    expect(error.reason).toBe('VALIDATION_FAILED');
    expect(error.issues).toEqual([expect.objectContaining({ message: expect.stringMatching(message) })]);
    expect(error.issues[0].path.join('.')).toBe(path);
  });
});

describe('resolution', () => {
  it('keeps a legacy modelUrl working, behind a model asset when there is one', async () => {
    const legacy = 'https://cdn.example.test/models/old-avatar.glb';
    const saved = await json(await save({ modelUrl: legacy }));
    expect(saved.resolved.model).toEqual({ source: 'legacy_url', assetId: null, url: legacy });
    const both = await json(await save({ modelAssetId: robot.id, modelUrl: legacy }));
    expect(both.resolved.model).toMatchObject({ source: 'asset', assetId: robot.id });
  });

  it('draws a deprecated part as the version that replaced it, or as itself when none did', async () => {
    const v1 = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
    const v2 = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
    const lone = await seedFixtureAsset(app, 'Box', { asset_type: 'top', category: 'casual' });
    await save({ parts: { hair: v1.id, top: lone.id } });
    await setStatus(v1.id, 'deprecated', v2.id);
    await setStatus(lone.id, 'deprecated');
    const config = await load();
    expect(config.parts).toEqual({ hair: v1.id, top: lone.id }); // what was saved stays as saved
    expect(config.resolved.parts.hair).toMatchObject({ source: 'replacement', assetId: v2.id });
    expect(config.resolved.parts.top).toMatchObject({ source: 'asset', assetId: lone.id });

    // A chain of replacements is followed to its end.
    const v3 = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
    await setStatus(v2.id, 'deprecated', v3.id);
    expect((await load()).resolved.parts.hair).toMatchObject({ source: 'replacement', assetId: v3.id });
  });

  it('falls back from a model that is gone to the legacy URL, then to the built-in avatar', async () => {
    const base = await seedFixtureAsset(app, 'Fox', { asset_type: 'base_model', category: 'creature' });
    const legacy = '/files/legacy/model.glb';
    await save({ modelAssetId: base.id, modelUrl: legacy, parts: { hair: hair.id } });
    await setStatus(base.id, 'failed');
    const config = await load();
    expect(config.modelAssetId).toBe(base.id);
    expect(config.resolved.model).toEqual({ source: 'legacy_url', assetId: null, url: legacy });
    expect(config.resolved.parts.hair).toMatchObject({ assetId: hair.id });

    // Without a legacy URL, the same missing model draws the built-in avatar.
    await app.database.db.updateTable('avatar_configs').set({ model_url: null }).execute();
    expect((await load()).resolved.model.source).toBe('fallback');
  });

  it('leaves out a part that is gone instead of failing the avatar', async () => {
    const gone = await seedFixtureAsset(app, 'Box', { asset_type: 'shoes', category: 'sport' });
    await save({ modelAssetId: robot.id, parts: { shoes: gone.id, hair: hair.id } });
    await app.database.db.deleteFrom('asset_catalog').where('id', '=', gone.id).execute();
    const config = await load();
    expect(config.resolved.parts.shoes).toBeNull();
    expect(config.resolved.parts.hair).toMatchObject({ assetId: hair.id });
  });
});
