import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { FIXTURES } from '../../../test/helpers/catalog.ts';
import { json } from '../../../test/helpers/http.ts';

let app: TestApp;
let admin: { token: string; id: string };
let admin2: { token: string };
let player: { token: string };

const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));

function call(method: string, path: string, token: string, body?: unknown) {
  return fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

/** Places bytes in storage the way an operator would, then registers them through the API. */
async function register(name: string, bytes: Buffer, fields: Record<string, unknown>) {
  const storageKey = `incoming/${name}`;
  await app.storage.put(storageKey, bytes, { contentType: 'model/gltf-binary' });
  return call('POST', '/resources/catalog', admin.token, { storageKey, ...fields });
}

const rowCount = async () =>
  (
    await app.database.db
      .selectFrom('asset_catalog')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n;
const assetObjects = async () => (await app.storage.list('assets/')).items.map((i) => i.key);

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.userWithToken('admin');
  admin2 = await app.userWithToken('admin');
  player = await app.userWithToken('player');
});
afterAll(() => app?.close());

let foxId: string;

describe('POST /resources/catalog', () => {
  it('registers a stored GLB with its inspect report under the canonical key', async () => {
    const res = await register('fox.glb', fixture('Fox.glb'), {
      type: 'base_model',
      category: 'creature',
      name: 'Fox',
      key: 'creatures/fox',
      tags: ['Animal', 'animated', 'animal'],
    });
    expect(res.status).toBe(200);
    const asset = await json(res);
    foxId = asset.id;
    expect(asset).toMatchObject({
      name: 'Fox',
      version: '1.0.0',
      status: 'active',
      tags: ['animal', 'animated'],
    });
    expect(asset.metadata.skins[0].jointCount).toBe(23);
    expect(asset.metadata.animations).toHaveLength(1);
    expect(asset.fileSize).toBe(fixture('Fox.glb').byteLength);
    expect(await assetObjects()).toEqual([`assets/base_model/creature/1.0.0/${asset.id}.glb`]);

    const viaTrpc = await json(
      await call(
        'GET',
        `/trpc/catalog.byId?input=${encodeURIComponent(JSON.stringify({ id: foxId }))}`,
        player.token,
      ),
    );
    expect(viaTrpc.result.data.metadata.skins[0].jointCount).toBe(23);
  });

  it('refuses the same bytes again with 409 naming the existing asset, and writes nothing', async () => {
    const before = [await rowCount(), await assetObjects()];
    const res = await register('fox-again.glb', fixture('Fox.glb'), {
      type: 'base_model',
      category: 'creature',
      name: 'Fox again',
      key: 'creatures/fox-again',
    });
    expect(res.status).toBe(409);
    const body = await json(res);
    expect(body).toMatchObject({ code: 'CONFLICT', reason: 'DUPLICATE_ASSET' });
    expect(body.message).toContain('creatures/fox');
    expect([await rowCount(), await assetObjects()]).toEqual(before);
  });

  it('refuses a file that is not a GLB with 422 and the validator’s reason, and writes nothing', async () => {
    const before = [await rowCount(), await assetObjects()];
    const res = await register('fake.glb', Buffer.from('this is not a model at all, just text'), {
      type: 'hair',
      category: 'short',
      name: 'Fake',
      key: 'hair/fake',
    });
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.reason).toBe('INVALID_ASSET');
    expect(body.message).toMatch(/GLB_BAD_MAGIC/);
    expect([await rowCount(), await assetObjects()]).toEqual(before);
  });

  it('validates fields: category per type, key pattern, name and tags', async () => {
    const base = {
      storageKey: 'incoming/fox.glb',
      type: 'hair',
      category: 'short',
      name: 'X',
      key: 'hair/x',
    };
    for (const [fields, pattern] of [
      [{ category: 'creature' }, /not allowed for type "hair"/],
      [{ key: 'Hair/Upper' }, /key/],
      [{ key: '-starts-with-dash' }, /key/],
      [{ name: 'n'.repeat(121) }, /name/],
      [{ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, /tags/],
      [{ type: 'spaceship' }, /type/],
      [{ version: '1.0' }, /version/],
    ] as const) {
      const res = await call('POST', '/resources/catalog', admin.token, { ...base, ...fields });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      const body = await json(res);
      expect(`${body.message} ${JSON.stringify(body.issues ?? [])}`, JSON.stringify(fields)).toMatch(pattern);
    }
  });

  it('refuses players with 403', async () => {
    const res = await call('POST', '/resources/catalog', player.token, {
      storageKey: 'incoming/fox.glb',
      type: 'hair',
      category: 'short',
      name: 'X',
      key: 'hair/x',
    });
    expect(res.status).toBe(403);
  });
});

describe('editing and deprecating', () => {
  it('lets an admin edit name, tags and category, within the type’s categories', async () => {
    const res = await call('PATCH', `/resources/catalog/${foxId}`, admin.token, {
      name: 'Red Fox',
      tags: ['forest'],
    });
    expect(await json(res)).toMatchObject({ name: 'Red Fox', tags: ['forest'] });
    const bad = await call('PATCH', `/resources/catalog/${foxId}`, admin.token, { category: 'short' });
    expect(bad.status).toBe(400);
    expect((await call('PATCH', `/resources/catalog/${foxId}`, player.token, { name: 'Mine' })).status).toBe(
      403,
    );
    const missing = await call(
      'PATCH',
      '/resources/catalog/00000000-0000-4000-8000-000000000000',
      admin.token,
      { name: 'A' },
    );
    expect(missing.status).toBe(404);
  });
});

describe('versions', () => {
  let v101: string;

  it('creates the next patch, minor or explicit version, each newer than every other', async () => {
    const patch = await json(
      await call('POST', `/resources/catalog/${foxId}/version`, admin.token, { bump: 'patch' }),
    );
    v101 = patch.id;
    expect(patch).toMatchObject({ version: '1.0.1', key: 'creatures/fox', name: 'Red Fox' });
    expect(patch.metadata.skins[0].jointCount).toBe(23);
    const explicit = await call('POST', `/resources/catalog/${foxId}/version`, admin.token, {
      version: '2.0.0',
    });
    expect((await json(explicit)).version).toBe('2.0.0');

    const older = await call('POST', `/resources/catalog/${foxId}/version`, admin.token, {
      version: '1.5.0',
    });
    expect(older.status).toBe(409);
    expect((await json(older)).message).toMatch(/not newer than its latest version 2\.0\.0/);
    for (const body of [
      { version: '2.1' },
      { version: 'v3.0.0' },
      { bump: 'huge' },
      {},
      { bump: 'patch', version: '9.0.0' },
    ]) {
      const res = await call('POST', `/resources/catalog/${foxId}/version`, admin.token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await assetObjects()).toHaveLength(3);
  });

  it('lists versions newest first and finds the latest by key', async () => {
    const list = await json(await call('GET', `/resources/catalog/${foxId}/versions`, player.token));
    expect(list.key).toBe('creatures/fox');
    expect(list.items.map((i: { version: string }) => i.version)).toEqual(['2.0.0', '1.0.1', '1.0.0']);
    const latest = await json(
      await call('GET', `/resources/catalog/key/${encodeURIComponent('creatures/fox')}/latest`, player.token),
    );
    expect(latest.version).toBe('2.0.0');
    const none = await call('GET', '/resources/catalog/key/nothing-here/latest', player.token);
    expect(none.status).toBe(404);
  });

  it('compares two versions', async () => {
    const latest = await json(
      await call('GET', '/resources/catalog/key/creatures%2Ffox/latest', admin.token),
    );
    await call('PATCH', `/resources/catalog/${latest.id}`, admin.token, { tags: ['forest', 'orange'] });
    const diff = await json(await call('GET', `/resources/catalog/${foxId}/diff/${latest.id}`, admin.token));
    expect(diff.from.version).toBe('1.0.0');
    expect(diff.to.version).toBe('2.0.0');
    expect(diff.triangles).toEqual({ before: diff.triangles.before, after: diff.triangles.before, delta: 0 });
    expect(diff.triangles.before).toBeGreaterThan(0);
    expect(diff.tags).toEqual({ added: ['orange'], removed: [] });
  });

  it('lets exactly one of two truly concurrent identical bumps win; the other gets 409', async () => {
    for (let round = 0; round < 3; round++) {
      const latest = await json(
        await call('GET', '/resources/catalog/key/creatures%2Ffox/latest', admin.token),
      );
      const results = await Promise.all(
        [admin.token, admin2.token].map((token) =>
          call('POST', `/resources/catalog/${latest.id}/version`, token, { bump: 'minor' }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const loser = results.find((r) => r.status === 409)!;
      expect((await json(loser)).reason).toBe('VERSION_CONFLICT');
    }
    const versions = await json(await call('GET', `/resources/catalog/${foxId}/versions`, admin.token));
    expect(versions.items.map((i: { version: string }) => i.version).slice(0, 3)).toEqual([
      '2.3.0',
      '2.2.0',
      '2.1.0',
    ]);
    // Each losing request removed the object it had copied.
    expect(await assetObjects()).toHaveLength(versions.items.length);
  });

  it('deprecates softly, points to the replacement, and reports avatars still using it', async () => {
    const latest = await json(
      await call('GET', '/resources/catalog/key/creatures%2Ffox/latest', admin.token),
    );
    await app.database.db
      .insertInto('avatar_configs')
      .values({ user_id: admin.id, model_asset_id: v101, parts: JSON.stringify({ hair: v101 }) })
      .execute();
    const res = await call('DELETE', `/resources/catalog/${v101}?replacedBy=${latest.id}`, admin.token);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ avatarConfigsReferencing: 1, wasLastActiveVersion: false });
    expect(body.asset).toMatchObject({ status: 'deprecated', replacedBy: latest.id });

    // Still there, for players too (by id), but no longer listed for them.
    expect((await call('GET', `/resources/catalog/${v101}`, player.token)).status).toBe(200);
    const list = await json(await call('GET', `/resources/catalog/${foxId}/versions`, player.token));
    expect(list.items.map((i: { id: string }) => i.id)).not.toContain(v101);

    const selfReplace = await call('DELETE', `/resources/catalog/${foxId}?replacedBy=${foxId}`, admin.token);
    expect(selfReplace.status).toBe(400);
    expect((await call('DELETE', `/resources/catalog/${foxId}`, player.token)).status).toBe(403);
  });

  it('reports deprecating the last active version of a key', async () => {
    const res = await register('box.glb', fixture('Box.glb'), {
      type: 'accessory',
      category: 'handheld',
      name: 'Box',
      key: 'props/box',
    });
    const box = await json(res);
    const body = await json(await call('DELETE', `/resources/catalog/${box.id}`, admin.token));
    expect(body).toMatchObject({ wasLastActiveVersion: true, avatarConfigsReferencing: 0 });
    expect((await call('GET', '/resources/catalog/key/props%2Fbox/latest', admin.token)).status).toBe(404);
  });
});
