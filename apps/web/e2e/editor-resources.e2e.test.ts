import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Asset, AssetUrl, AvatarConfig } from '@avatar/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../../packages/asset-core/test/fixtures-dir.ts';
import { startTestApp, type TestApp } from '../../server/test/helpers/app.ts';
import {
  COALESCE_MS,
  canRedo,
  canUndo,
  change,
  draftOf,
  historyOf,
  isDirty,
  markSaved,
  redo,
  sameDraft,
  saveInput,
  undo,
  withColor,
  withMorph,
  withPart,
} from '../src/features/editor/editor-state.ts';
import { AssetUrlResolver } from '../src/resources/asset-url-resolver.ts';
import { resourceKey, signedUrlExpiry } from '../src/resources/resource-key.ts';
import { ResourceError, ResourceLoader } from '../src/resources/resource-loader.ts';

const fixtures = FIXTURES_DIR;

/**
 * The editor's data layer in Node against the real server (PostgreSQL, local storage, signed URLs):
 * the download cache, the signed-URL cache and the pure undo/redo state the editor page is built on.
 */
describe('editor resources and state', () => {
  let app: TestApp;
  let admin: { token: string };
  let player: { token: string };
  const assets: Asset[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    admin = await app.userWithToken('admin');
    player = await app.userWithToken('player');
    for (const [file, type, category, key] of [
      ['Box.glb', 'hair', 'short', 'hair/box'],
      ['CesiumMan.glb', 'base_model', 'humanoid', 'base/cesium'],
      ['chr_knight.glb', 'top', 'casual', 'top/knight'],
    ] as const) {
      const storageKey = `incoming/${file.toLowerCase()}`;
      await app.storage.put(storageKey, readFileSync(path.join(fixtures, file)), {
        contentType: 'model/gltf-binary',
      });
      const res = await fetch(`${app.baseUrl}/resources/catalog`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ storageKey, type, category, key, name: key }),
      });
      expect(res.status).toBe(200);
      assets.push((await res.json()) as Asset);
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  /** `GET /resources/assets/{id}/url` as the player, counting calls. */
  function lookupCounting() {
    const calls: string[] = [];
    const lookup = async ({ id, variant }: { id: string; variant: string }): Promise<AssetUrl> => {
      calls.push(`${id}:${variant}`);
      const res = await fetch(`${app.baseUrl}/resources/assets/${id}/url?variant=${variant}`, {
        headers: { authorization: `Bearer ${player.token}` },
      });
      const body = (await res.json()) as AssetUrl & { message?: string };
      if (res.status !== 200)
        throw Object.assign(new Error(body.message ?? 'refused'), { status: res.status });
      return { ...body, url: new URL(body.url, app.baseUrl).href };
    };
    return { calls, lookup };
  }

  it('shares one download between concurrent requests for a file, and keeps it', async () => {
    const { lookup } = lookupCounting();
    const { url } = await lookup({ id: assets[0]!.id, variant: 'original' });
    const loader = new ResourceLoader();
    const [a, b, c] = await Promise.all([loader.get(url), loader.get(url), loader.get(url)]);
    expect(loader.downloads).toBe(1);
    expect(Buffer.from(a).subarray(0, 4).toString('latin1')).toBe('glTF');
    expect(b).toBe(a);
    expect(c).toBe(a);
    // The same object under another signature is the same file: no second download.
    const resigned = new URL(url);
    resigned.searchParams.set('exp', String(Number(resigned.searchParams.get('exp')) + 60));
    expect(resourceKey(resigned.href)).toBe(resourceKey(url));
    await loader.get(resigned.href);
    expect(loader.downloads).toBe(1);
  });

  it('evicts the least recently used file past its size limit', async () => {
    const { lookup } = lookupCounting();
    const urls = await Promise.all(assets.map((a) => lookup({ id: a.id, variant: 'original' })));
    const loader = new ResourceLoader({ maxEntries: 2 });
    await loader.get(urls[0]!.url);
    await loader.get(urls[1]!.url);
    await loader.get(urls[0]!.url); // now the most recent
    await loader.get(urls[2]!.url);
    expect(loader.size).toBe(2);
    expect(loader.has(urls[0]!.url)).toBe(true);
    expect(loader.has(urls[1]!.url)).toBe(false);
    expect(loader.downloads).toBe(3);
  });

  it('reports a missing file as a 404 and does not cache the failure', async () => {
    const loader = new ResourceLoader();
    const missing = `${app.baseUrl}/files/assets/nope/missing.glb?exp=9999999999&sig=bad`;
    const error = await loader.get(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceError);
    expect((error as ResourceError).status).toBeGreaterThanOrEqual(400);
    expect(loader.size).toBe(0);
    await loader.get(missing).catch(() => undefined);
    expect(loader.downloads).toBe(2);
  });

  it("stops a caller's wait on abort without cancelling the shared download", async () => {
    const { lookup } = lookupCounting();
    const { url } = await lookup({ id: assets[1]!.id, variant: 'original' });
    const loader = new ResourceLoader();
    const abort = new AbortController();
    const first = loader.get(url, { signal: abort.signal });
    const second = loader.get(url);
    abort.abort(new Error('user picked something else'));
    await expect(first).rejects.toThrow('user picked something else');
    expect((await second).byteLength).toBeGreaterThan(1000);
    expect(loader.has(url)).toBe(true);
  });

  it('caches signed URLs until shortly before they expire, and refusals for a while', async () => {
    const { calls, lookup } = lookupCounting();
    let now = Date.now();
    const resolver = new AssetUrlResolver({ lookup, now: () => now, marginMs: 60_000, failureTtlMs: 30_000 });
    const id = assets[0]!.id;
    const [a, b] = await Promise.all([resolver.resolve(id), resolver.resolve(id)]);
    expect(a.url).toBe(b.url);
    expect(calls).toEqual([`${id}:original`]);
    const expiry = signedUrlExpiry(a.url);
    expect(expiry).not.toBeNull();
    now = expiry! - 61_000;
    await resolver.resolve(id);
    expect(calls).toHaveLength(1);
    now = expiry! - 59_000;
    await resolver.resolve(id);
    expect(calls).toHaveLength(2);

    // Not processed yet: no optimized variant. Asked once, then remembered as refused.
    await expect(resolver.resolve(id, 'optimized')).rejects.toThrow(/variant/);
    await expect(resolver.resolve(id, 'optimized')).rejects.toThrow(/variant/);
    expect(calls.filter((c) => c.endsWith(':optimized'))).toHaveLength(1);
    now += 31_000;
    await expect(resolver.resolve(id, 'optimized')).rejects.toThrow(/variant/);
    expect(calls.filter((c) => c.endsWith(':optimized'))).toHaveLength(2);
  });

  it('reads an S3 presigned URL expiry too', () => {
    const url =
      'https://bucket.example/a.glb?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T120000Z&X-Amz-Expires=900&X-Amz-Signature=abc';
    expect(signedUrlExpiry(url)).toBe(Date.UTC(2026, 0, 1, 12, 15, 0));
    expect(resourceKey(url)).toBe('https://bucket.example/a.glb');
  });

  it('undoes and redoes edits, one step per drag, and knows what is unsaved', () => {
    const start = historyOf(draftOf(null));
    expect(isDirty(start)).toBe(false);
    const base = assets[1]!.id;
    let h = change(start, withPart(start.present, 'base', base), null, 1000);
    // A drag of a color picker: many changes close together are one undo step.
    h = change(h, withColor(h.present, 'Skin', '#112233'), 'color:Skin', 2000);
    h = change(h, withColor(h.present, 'Skin', '#445566'), 'color:Skin', 2000 + COALESCE_MS / 2);
    h = change(h, withMorph(h.present, 'Smile', 1.5), 'morph:Smile', 5000);
    expect(h.present.morphs.Smile).toBe(1);
    expect(h.past).toHaveLength(3);
    expect(isDirty(h)).toBe(true);

    h = undo(h);
    expect(h.present.colors.Skin).toBe('#445566');
    h = undo(h);
    expect(h.present.colors.Skin).toBeUndefined();
    expect(canRedo(h)).toBe(true);
    h = redo(h);
    expect(h.present.colors.Skin).toBe('#445566');
    // A new edit drops the redo stack.
    h = change(h, withPart(h.present, 'hair', assets[0]!.id), null, 9000);
    expect(canRedo(h)).toBe(false);
    // Accessories toggle; an emptied slot is the same as never set.
    h = change(h, withPart(h.present, 'hair', null), null, 9500);
    expect(sameDraft(h.present, withPart(h.present, 'hair', null))).toBe(true);

    h = markSaved(h, h.present);
    expect(isDirty(h)).toBe(false);
    expect(canUndo(h)).toBe(true);
    // Changing nothing is not a step.
    expect(change(h, { ...h.present }, null, 20000)).toBe(h);
  });

  it('saves a draft and reads back the same draft from the server', async () => {
    const [hair, base, top] = assets as [Asset, Asset, Asset];
    let draft = draftOf(null);
    draft = withPart(draft, 'base', base.id);
    draft = withPart(draft, 'hair', hair.id);
    draft = withPart(draft, 'top', top.id);
    draft = withColor(draft, 'Cesium_Man-effect', '#AABBCC');
    draft = withMorph(draft, 'Smile', 0.25);
    const res = await fetch(`${app.baseUrl}/api/v1/character/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${player.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(saveInput(draft)),
    });
    expect(res.status).toBe(200);
    const read = await fetch(`${app.baseUrl}/api/v1/character/config`, {
      headers: { authorization: `Bearer ${player.token}` },
    });
    const config = (await read.json()) as AvatarConfig;
    expect(sameDraft(draftOf(config), draft)).toBe(true);
    expect(config.resolved.parts.hair?.url).toBeTruthy();
  });
});
