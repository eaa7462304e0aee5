import { inspectAsset, validateGlb } from '@avatar/asset-core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { StorageError } from '../../storage/storage-error.ts';
import type { Deps } from '../../trpc/context.ts';
import { loadDecoders } from './codecs.ts';
import { processAssetJob } from './process-asset.job.ts';
import { fixture, postUpload, uploadForm } from './uploads.test-support.ts';

const get = (app: TestApp, token: string, path: string) =>
  fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

async function settled(app: TestApp, token: string, id: string) {
  for (let i = 0; i < 240; i++) {
    const asset = await json(await get(app, token, `/resources/catalog/${id}`));
    if (asset.status !== 'processing') return asset;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`asset ${id} still processing`);
}

const variantsOf = async (app: TestApp, id: string) => {
  const row = await app.database.db
    .selectFrom('asset_catalog')
    .select('metadata')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return (
    row.metadata as {
      variants: Record<string, { bytes: number; triangles: number; sameAsOriginal?: boolean }>;
    }
  ).variants;
};

describe('asset.process, run by the workers', () => {
  let app: TestApp;
  let admin: { token: string };
  let player: { token: string };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await startTestApp({}, { workers: true });
    admin = await app.userWithToken('admin');
    player = await app.userWithToken('player');
    for (const [name, type, category] of [
      ['Fox', 'base_model', 'creature'],
      ['RobotExpressive', 'base_model', 'robot'],
      ['Box', 'accessory', 'handheld'],
    ] as const) {
      const res = await postUpload(
        app,
        admin.token,
        uploadForm(fixture(`${name}.glb`), { type, category, name }),
      );
      ids[name] = (await json(res)).id;
    }
  });
  afterAll(() => app?.close());

  it('makes the variants, records their sizes and triangles, and marks the asset active', async () => {
    for (const [name, id] of Object.entries(ids)) {
      const asset = await settled(app, admin.token, id);
      expect(asset, name).toMatchObject({ status: 'active', statusReason: null, thumbnailUrl: null });
      const variants = await variantsOf(app, id);
      for (const quality of ['optimized', 'low', 'medium']) {
        expect(variants[quality], `${name} ${quality}`).toMatchObject({
          bytes: expect.any(Number),
          triangles: expect.any(Number),
        });
      }
      expect(variants.low!.triangles).toBeLessThanOrEqual(variants.medium!.triangles);
      expect(variants.medium!.triangles).toBeLessThanOrEqual(asset.metadata.geometry.triangles);
    }
    // Compression grows a 1.6 kB box: its delivery variant is the original.
    expect(await variantsOf(app, ids.Box!)).toMatchObject({
      optimized: { bytes: fixture('Box.glb').byteLength, sameAsOriginal: true },
    });
    expect((await variantsOf(app, ids.Fox!)).optimized!.bytes).toBeLessThan(
      fixture('Fox.glb').byteLength / 5,
    );
  });

  it('serves every variant at a URL the browser loads directly, each valid and still animated', async () => {
    const { dependencies } = await loadDecoders();
    const original = await inspectAsset(new Uint8Array(fixture('RobotExpressive.glb')));
    await settled(app, admin.token, ids.RobotExpressive!);
    for (const variant of ['original', 'optimized', 'low', 'medium']) {
      const res = await get(
        app,
        player.token,
        `/resources/assets/${ids.RobotExpressive}/url?variant=${variant}`,
      );
      expect(res.status, variant).toBe(200);
      const answer = await json(res);
      expect(answer).toMatchObject({ id: ids.RobotExpressive, variant, contentType: 'model/gltf-binary' });
      const file = await fetch(answer.url);
      expect(file.headers.get('cache-control')).toContain('immutable');
      const bytes = new Uint8Array(await file.arrayBuffer());
      expect(bytes.byteLength).toBe(answer.bytes);
      expect((await validateGlb(bytes)).errors, variant).toEqual([]);
      const made = await inspectAsset(bytes, { dependencies });
      expect(made.geometry.triangles).toBe(answer.triangles);
      expect(made.animations.map((a) => a.name)).toEqual(original.animations.map((a) => a.name));
      expect(made.morphTargets).toEqual(original.morphTargets);
      expect(made.skins.map((s) => s.jointNames.join())).toEqual(
        expect.arrayContaining([original.skins[0]!.jointNames.join()]),
      );
    }
  });

  it('answers 404 for an unknown asset and 400 for an unknown variant', async () => {
    expect(
      (await get(app, admin.token, '/resources/assets/00000000-0000-4000-8000-000000000000/url')).status,
    ).toBe(404);
    expect((await get(app, admin.token, `/resources/assets/${ids.Fox}/url?variant=huge`)).status).toBe(400);
    // `/resources/assets/{type}` still answers the catalog's list.
    expect((await get(app, admin.token, '/resources/assets/base_model')).status).toBe(200);
  });

  it('gives a new version of a processed asset variants of its own', async () => {
    await settled(app, admin.token, ids.Fox!);
    const res = await fetch(`${app.baseUrl}/resources/catalog/${ids.Fox}/version`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ bump: 'minor' }),
    });
    const next = await json(res);
    expect(next).toMatchObject({ version: '1.1.0', status: 'processing' });
    expect(await settled(app, admin.token, next.id)).toMatchObject({ status: 'active' });
    const url = await json(await get(app, admin.token, `/resources/assets/${next.id}/url?variant=optimized`));
    expect(url.url).toContain(`/1.1.0/${next.id}.optimized.glb`);
    expect((await fetch(url.url)).status).toBe(200);
  });
});

describe('asset.process failures', () => {
  let app: TestApp;
  let admin: { token: string };
  let deps: Deps;

  beforeAll(async () => {
    app = await startTestApp(); // no workers: the tests run the handler themselves
    admin = await app.userWithToken('admin');
    deps = {
      config: app.config,
      db: app.database.db,
      storage: app.storage,
      jobs: app.jobs,
      logger: pino({ level: 'silent' }),
    };
  });
  afterAll(() => app?.close());

  const job = (assetId: string, retryCount: number, isLastAttempt: boolean) => ({
    id: 'test-job',
    name: 'asset.process' as const,
    data: { assetId },
    retryCount,
    isLastAttempt,
  });

  it('keeps the asset processing with a readable reason while retries remain, then marks it failed', async () => {
    const asset = await json(await postUpload(app, admin.token, uploadForm(fixture('chr_knight.glb'))));
    const get = app.storage.get.bind(app.storage);
    app.storage.get = async () => {
      throw new StorageError('UNAVAILABLE');
    };
    try {
      const handler = processAssetJob(deps);
      await expect(handler(job(asset.id, 0, false))).rejects.toThrow();
      const retrying = await json(
        await fetch(`${app.baseUrl}/resources/catalog/${asset.id}`, {
          headers: { authorization: `Bearer ${admin.token}` },
        }),
      );
      expect(retrying).toMatchObject({
        status: 'processing',
        statusReason: 'Attempt 1 failed (File storage failed (unavailable)); retrying',
      });
      await expect(handler(job(asset.id, 3, true))).rejects.toThrow();
    } finally {
      app.storage.get = get;
    }
    const failed = await json(
      await fetch(`${app.baseUrl}/resources/catalog/${asset.id}`, {
        headers: { authorization: `Bearer ${admin.token}` },
      }),
    );
    expect(failed).toMatchObject({ status: 'failed', statusReason: 'File storage failed (unavailable)' });
    const url = await fetch(`${app.baseUrl}/resources/assets/${asset.id}/url?variant=low`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(url.status).toBe(409);
    expect((await json(url)).message).toContain('File storage failed');
    // A repeated job finds nothing to do.
    expect(await processAssetJob(deps)(job(asset.id, 0, false))).toBe('skipped');
  });

  it('answers 409 for a variant while the asset is still processing; the original is there already', async () => {
    const asset = await json(await postUpload(app, admin.token, uploadForm(fixture('CesiumMan.glb'))));
    const headers = { authorization: `Bearer ${admin.token}` };
    const variant = await fetch(`${app.baseUrl}/resources/assets/${asset.id}/url?variant=optimized`, {
      headers,
    });
    expect(variant.status).toBe(409);
    expect(await json(variant)).toMatchObject({
      reason: 'INVALID_STATE',
      message: expect.stringMatching(/still being made/),
    });
    const original = await json(await fetch(`${app.baseUrl}/resources/assets/${asset.id}/url`, { headers }));
    expect((await fetch(original.url)).status).toBe(200);
    // Players do not see assets that are not active yet; not found and hidden look the same.
    const player = await app.userWithToken('player');
    const hidden = await fetch(`${app.baseUrl}/resources/assets/${asset.id}/url`, {
      headers: { authorization: `Bearer ${player.token}` },
    });
    expect(hidden.status).toBe(404);
  });
});
