import { countDrawCalls } from '@avatar/asset-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import {
  fetchGlb,
  readDelivered,
  seedDeliveryAvatar,
  targetNames,
  triangles,
} from './delivery.test-support.ts';
import { signDelivery } from './delivery-signing.ts';

let app: TestApp;
let avatar: Awaited<ReturnType<typeof seedDeliveryAvatar>>;
const glbUrl = (query = '') => `${avatar.url}${query ? `?${query}` : ''}`;

beforeAll(async () => {
  app = await startTestApp();
  avatar = await seedDeliveryAvatar(app);
});
afterAll(() => app?.close());

describe('GET /avatars/{id}.glb', () => {
  it('builds on the first request, then serves the same bytes from the cache with a strong ETag', async () => {
    const first = await fetchGlb(glbUrl());
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('x-cache')).toBe('MISS');
    expect(first.res.headers.get('content-type')).toBe('model/gltf-binary');
    expect(first.res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(first.res.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    const doc = await readDelivered(first.bytes);
    expect(doc.getRoot().listSkins().length).toBeGreaterThan(0);
    expect(doc.getRoot().listAnimations().length).toBe(14);

    const second = await fetchGlb(glbUrl());
    expect(second.res.headers.get('x-cache')).toBe('HIT');
    expect(second.res.headers.get('etag')).toBe(first.res.headers.get('etag'));
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
  });

  it('answers 304 to If-None-Match and byte ranges with 206', async () => {
    const full = await fetchGlb(glbUrl());
    const etag = full.res.headers.get('etag')!;
    const cached = await fetch(glbUrl(), { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe(etag);

    const part = await fetchGlb(glbUrl(), { headers: { range: 'bytes=0-99' } });
    expect(part.res.status).toBe(206);
    expect(part.res.headers.get('content-range')).toBe(`bytes 0-99/${full.bytes.byteLength}`);
    expect(Buffer.from(part.bytes).equals(Buffer.from(full.bytes.subarray(0, 100)))).toBe(true);
    const past = await fetch(glbUrl(), { headers: { range: `bytes=${full.bytes.byteLength}-` } });
    expect(past.status).toBe(416);
  });

  it('lod=1 and lod=2 keep about half and a quarter of the triangles, still skinned and morphable', async () => {
    const full = triangles(await readDelivered((await fetchGlb(glbUrl())).bytes));
    for (const [lod, ratio] of [
      [1, 0.5],
      [2, 0.25],
    ] as const) {
      const { res, bytes } = await fetchGlb(glbUrl(`lod=${lod}`));
      expect(res.status).toBe(200);
      const doc = await readDelivered(bytes);
      const kept = triangles(doc) / full;
      expect(kept).toBeGreaterThan(ratio * 0.7);
      expect(kept).toBeLessThanOrEqual(ratio * 1.05);
      const skinned = doc
        .getRoot()
        .listNodes()
        .filter((n) => n.getSkin() && n.getMesh());
      expect(skinned.length).toBeGreaterThan(0);
      for (const node of skinned) {
        for (const p of node.getMesh()!.listPrimitives()) expect(p.getAttribute('JOINTS_0')).not.toBeNull();
      }
      expect(new Set(targetNames(doc))).toEqual(new Set(['Angry', 'Surprised', 'Sad']));
    }
  });

  it('textureAtlas merges every material into one atlas drawn in at most two calls', async () => {
    const before = await readDelivered((await fetchGlb(glbUrl())).bytes);
    expect(before.getRoot().listMaterials().length).toBeGreaterThanOrEqual(5);
    const { res, bytes } = await fetchGlb(glbUrl('textureAtlas=1024'));
    expect(res.status).toBe(200);
    const doc = await readDelivered(bytes);
    expect(
      doc
        .getRoot()
        .listMaterials()
        .map((m) => m.getName()),
    ).toEqual(['atlas']);
    const base = doc.getRoot().listMaterials()[0]!.getBaseColorTexture()!;
    expect(base.getSize()).toEqual([1024, 1024]);
    expect(countDrawCalls(doc)).toBeLessThan(countDrawCalls(before));
    expect(countDrawCalls(doc)).toBeLessThanOrEqual(2);
    expect(triangles(doc)).toBe(triangles(before));
  });

  it('textureSizeLimit scales textures down to the limit', async () => {
    const before = await readDelivered((await fetchGlb(glbUrl('quality=high'))).bytes);
    const largest = (d: typeof before) =>
      Math.max(
        ...d
          .getRoot()
          .listTextures()
          .map((t) => Math.max(...t.getSize()!)),
      );
    expect(largest(before)).toBe(1024);
    const doc = await readDelivered((await fetchGlb(glbUrl('quality=high&textureSizeLimit=256'))).bytes);
    expect(largest(doc)).toBe(256);
  });

  it('morphTargets keeps only the named targets, or none', async () => {
    const some = await readDelivered((await fetchGlb(glbUrl('morphTargets=Angry,Sad'))).bytes);
    expect(new Set(targetNames(some))).toEqual(new Set(['Angry', 'Sad']));
    for (const mesh of some.getRoot().listMeshes()) {
      for (const p of mesh.listPrimitives()) expect([0, 2]).toContain(p.listTargets().length);
    }
    const none = await readDelivered((await fetchGlb(glbUrl('morphTargets=none'))).bytes);
    expect(targetNames(none)).toEqual([]);
    const count = none
      .getRoot()
      .listMeshes()
      .flatMap((m) => m.listPrimitives())
      .reduce((n, p) => n + p.listTargets().length, 0);
    expect(count).toBe(0);
  });

  it('meshCompression and textureFormat add their extensions', async () => {
    const plain = await fetchGlb(glbUrl());
    for (const [query, extension] of [
      ['meshCompression=meshopt', 'EXT_meshopt_compression'],
      ['meshCompression=draco', 'KHR_draco_mesh_compression'],
      ['textureFormat=webp', 'EXT_texture_webp'],
    ] as const) {
      const { res, bytes } = await fetchGlb(glbUrl(query));
      expect(res.status, query).toBe(200);
      const doc = await readDelivered(bytes);
      expect(
        doc
          .getRoot()
          .listExtensionsUsed()
          .map((e) => e.extensionName),
      ).toContain(extension);
      if (query.startsWith('mesh')) expect(bytes.byteLength).toBeLessThan(plain.bytes.byteLength);
    }
    const webp = await readDelivered((await fetchGlb(glbUrl('textureFormat=webp'))).bytes);
    expect(
      webp
        .getRoot()
        .listTextures()
        .every((t) => t.getMimeType() === 'image/webp'),
    ).toBe(true);

    const ktx2 = await fetch(glbUrl('textureFormat=ktx2'));
    expect(ktx2.status).toBe(422);
    expect((await json(ktx2)).message).toMatch(/ktx2 is not available/);
  });

  it('pose bakes the bind pose or a frame of an animation, and refuses an unknown animation', async () => {
    const bind = await readDelivered((await fetchGlb(glbUrl('pose=bind'))).bytes);
    expect(bind.getRoot().listAnimations()).toEqual([]);
    const idle = await readDelivered((await fetchGlb(glbUrl('pose=Running@0.25'))).bytes);
    expect(idle.getRoot().listAnimations()).toEqual([]);
    const rot = (d: typeof bind) =>
      d
        .getRoot()
        .listNodes()
        .map((n) => n.getRotation().map((v) => v.toFixed(3)))
        .join(';');
    expect(rot(idle)).not.toBe(rot(bind));

    const missing = await fetch(glbUrl('pose=Moonwalk@1'));
    expect(missing.status).toBe(422);
    const body = await json(missing);
    expect(body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
    expect(body.message).toMatch(/Dance/);
  });

  it('refuses unknown and invalid parameters with 400 listing the valid ones', async () => {
    for (const query of [
      'size=big',
      'lod=3',
      'quality=ultra',
      'textureAtlas=300',
      'pose=dance',
      'lod=1&lod=2',
    ]) {
      const res = await fetch(glbUrl(query));
      expect(res.status, query).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = await json(res);
      expect(body).toMatchObject({ code: 'BAD_REQUEST', reason: 'VALIDATION_FAILED' });
      expect(body.message).toContain('Valid parameters: quality=low|medium|high; lod=0|1|2');
      expect(body.details.validParameters).toHaveProperty('meshCompression');
      expect(JSON.stringify(body)).not.toMatch(/stack|at \//);
    }
    expect((await json(await fetch(glbUrl('size=big')))).message).toMatch(/^Unknown parameter "size"/);
    expect((await fetch(`${app.baseUrl}/avatars/not-an-id.glb`)).status).toBe(404);
  });

  it('a config change gives new bytes under a new ETag; the old entry stays for the old content', async () => {
    const before = await fetchGlb(glbUrl('quality=low'));
    const res = await avatar.call('PUT', '/api/v1/character/config', {
      ...avatar.config,
      colors: { Main: '#ff3300' },
    });
    expect(res.status).toBe(200);
    const after = await fetchGlb(glbUrl('quality=low'));
    expect(after.res.headers.get('x-cache')).toBe('MISS');
    expect(after.res.headers.get('etag')).not.toBe(before.res.headers.get('etag'));
    const stale = await fetch(glbUrl('quality=low'), {
      headers: { 'if-none-match': before.res.headers.get('etag')! },
    });
    expect(stale.status).toBe(200);
    await avatar.call('PUT', '/api/v1/character/config', avatar.config);
  });

  it('a deprecated part that now resolves to its replacement gives a new ETag at once', async () => {
    const before = await fetchGlb(glbUrl('quality=low&lod=2'));
    expect((await fetchGlb(glbUrl('quality=low&lod=2'))).res.headers.get('x-cache')).toBe('HIT');
    const replacement = await seedFixtureAsset(app, 'Fox', { asset_type: 'hair', category: 'long' });
    const db = app.database.db;
    await db
      .updateTable('asset_catalog')
      .set({ status: 'deprecated', replaced_by: replacement.id })
      .where('id', '=', avatar.config.parts.hair)
      .execute();
    const after = await fetchGlb(glbUrl('quality=low&lod=2'));
    expect(after.res.headers.get('x-cache')).toBe('MISS');
    expect(after.res.headers.get('etag')).not.toBe(before.res.headers.get('etag'));
    await db
      .updateTable('asset_catalog')
      .set({ status: 'active', replaced_by: null })
      .where('id', '=', avatar.config.parts.hair)
      .execute();
    const back = await fetchGlb(glbUrl('quality=low&lod=2'));
    expect(back.res.headers.get('etag')).toBe(before.res.headers.get('etag'));
  });

  it('concurrent misses for the same URL build once', async () => {
    const url = glbUrl('quality=low&lod=1&meshCompression=meshopt');
    const results = await Promise.all(Array.from({ length: 6 }, () => fetchGlb(url)));
    expect(results.map((r) => r.res.status)).toEqual(Array(6).fill(200));
    expect(results.filter((r) => r.res.headers.get('x-cache') === 'MISS')).toHaveLength(1);
    expect(new Set(results.map((r) => r.res.headers.get('etag'))).size).toBe(1);
    const rows = await app.database.db
      .selectFrom('avatar_delivery_cache')
      .select(['status'])
      .where('params', 'like', '%"low",1,%meshopt%')
      .execute();
    expect(rows).toEqual([{ status: 'ready' }]);
  });
});

describe('owner controls', () => {
  it('a private avatar needs a signed URL; an expired or forged one is refused', async () => {
    const res = await avatar.call('PUT', '/api/v1/character/delivery/private', { private: true });
    expect(res.status).toBe(200);
    expect((await json(res)).private).toBe(true);
    const refused = await fetch(glbUrl());
    expect(refused.status).toBe(403);
    expect((await json(refused)).message).toMatch(/private/);

    const minted = await avatar.call('POST', '/api/v1/character/delivery/signed-url', {
      expiresInSeconds: 600,
      params: { lod: '1' },
    });
    expect(minted.status).toBe(200);
    const { url } = await json(minted);
    expect(url).toContain('lod=1');
    const ok = await fetchGlb(url);
    expect(ok.res.status).toBe(200);
    expect(ok.res.headers.get('cache-control')).toMatch(/^private/);

    const past = Math.floor(Date.now() / 1000) - 10;
    const sig = signDelivery(app.config.SESSION_SECRET, avatar.publicId, past);
    const expired = await fetch(glbUrl(`exp=${past}&sig=${sig}`));
    expect(expired.status).toBe(403);
    expect((await json(expired)).message).toMatch(/expired/);
    const forged = await fetch(glbUrl(`exp=${past + 100_000}&sig=${sig}`));
    expect(forged.status).toBe(403);

    const bad = await avatar.call('POST', '/api/v1/character/delivery/signed-url', { params: { lod: '9' } });
    expect(bad.status).toBe(400);

    await avatar.call('PUT', '/api/v1/character/delivery/private', { private: false });
    expect((await fetch(glbUrl())).status).toBe(200);
  });

  it('rotating the id retires the old URL', async () => {
    const oldUrl = avatar.url;
    const res = await avatar.call('POST', '/api/v1/character/delivery/rotate', {});
    expect(res.status).toBe(200);
    const info = await json(res);
    expect(info.publicId).not.toBe(avatar.publicId);
    expect(info.publicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const gone = await fetch(oldUrl);
    expect(gone.status).toBe(404);
    expect(await json(gone)).toMatchObject({ code: 'NOT_FOUND' });
    const served = await fetch(info.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('x-cache')).toBe('HIT');
    avatar = { ...avatar, publicId: info.publicId, url: info.url };
  });

  it('the owner procedures need a session', async () => {
    const res = await fetch(`${app.baseUrl}/api/v1/character/delivery`);
    expect(res.status).toBe(401);
  });
});
