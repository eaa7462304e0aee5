import { describe, expect, it } from 'vitest';
import type { RenderCache, StoredRender } from './render.cache.ts';
import { renderObjectKey } from './render.cache.ts';
import {
  canonicalJson,
  createRenderService,
  normalizeRenderRequest,
  renderCacheKey,
  thumbnailRequest,
} from './render.service.ts';
import { RenderError, type RenderedImage, type RenderPageRequest } from './render.types.ts';

const sha = (c: string) => c.repeat(64);
const fox = (url: string) => ({ scene: { base: { url, contentHash: sha('a') } } });

describe('normalizeRenderRequest', () => {
  it('fills the defaults', () => {
    const request = normalizeRenderRequest({ scene: {} });
    expect(request).toMatchObject({
      width: 512,
      height: 512,
      format: 'png',
      background: 'transparent',
      camera: { preset: 'three-quarter' },
      scene: { base: null, parts: [], colors: {}, morphs: {} },
    });
  });

  it('refuses sizes outside 64..2048, unknown presets and bad colors with BAD_REQUEST', () => {
    for (const bad of [
      { width: 32, scene: {} },
      { height: 4096, scene: {} },
      { camera: { preset: 'selfie' }, scene: {} },
      { background: 'red', scene: {} },
      { scene: { colors: { Main: 'blue' } } },
      { morphs: { Angry: 2 }, scene: {} },
    ]) {
      expect(() => normalizeRenderRequest(bad)).toThrow(RenderError);
    }
    try {
      normalizeRenderRequest({ width: 32, scene: {} });
    } catch (error) {
      expect((error as RenderError).code).toBe('BAD_REQUEST');
      expect((error as RenderError).message).toMatch(/width/);
    }
  });

  it('gives a JPEG a white background instead of a transparent one', () => {
    expect(normalizeRenderRequest({ format: 'jpg', scene: {} }).background).toBe('#ffffff');
    expect(normalizeRenderRequest({ format: 'png', scene: {} }).background).toBe('transparent');
  });

  it('puts equivalent requests in one form', () => {
    const a = normalizeRenderRequest({
      camera: { yaw: -45.04, pitch: 10.0001, fov: 30 },
      background: '#AABBCC',
      morphs: { Angry: 0.50004 },
      scene: { colors: { Main: '#FF0000' } },
    });
    const b = normalizeRenderRequest({
      camera: { yaw: 315, pitch: 10, fov: 30 },
      background: '#aabbcc',
      morphs: { Angry: 0.5 },
      scene: { colors: { Main: '#ff0000' } },
      quality: 10, // ignored for PNG
    });
    expect(a).toEqual(b);
  });
});

describe('renderCacheKey', () => {
  const base = normalizeRenderRequest({ width: 256, height: 256, ...fox('/files/fox.glb?sig=1') });

  it('names a model by the hash of its bytes, not by its (signed, changing) URL', () => {
    const resigned = normalizeRenderRequest({ width: 256, height: 256, ...fox('/files/fox.glb?sig=2') });
    expect(renderCacheKey(resigned)).toBe(renderCacheKey(base));
    const other = normalizeRenderRequest({
      width: 256,
      height: 256,
      scene: { base: { url: '/files/fox.glb?sig=1', contentHash: sha('b') } },
    });
    expect(renderCacheKey(other)).not.toBe(renderCacheKey(base));
  });

  it('changes with anything that changes the image', () => {
    const variants = [
      { width: 257 },
      { format: 'jpg' },
      { camera: { preset: 'front' } },
      { background: '#000000' },
      { animation: { name: 'Run', time: 0.5 } },
      { morphs: { Angry: 1 } },
    ];
    const keys = variants.map((v) =>
      renderCacheKey(normalizeRenderRequest({ width: 256, height: 256, ...fox('/x.glb'), ...v })),
    );
    expect(new Set([...keys, renderCacheKey(base)]).size).toBe(variants.length + 1);
    expect(renderCacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } })).toBe(
      canonicalJson({ a: { c: [3, { e: 5, f: 4 }], d: 2 }, b: 1 }),
    );
  });
});

describe('thumbnailRequest', () => {
  it('is a 256x256 transparent PNG from three-quarters', () => {
    expect(thumbnailRequest({ url: '/files/a.glb' })).toMatchObject({
      width: 256,
      height: 256,
      format: 'png',
      background: 'transparent',
      camera: { preset: 'three-quarter' },
      scene: { base: { url: '/files/a.glb' } },
    });
  });
});

describe('createRenderService', () => {
  function memoryCache(): RenderCache & { objects: Map<string, StoredRender> } {
    const objects = new Map<string, StoredRender>();
    return {
      objects,
      async get(key, format) {
        return objects.get(renderObjectKey(key, format)) ?? null;
      },
      async put(key, image) {
        const objectKey = renderObjectKey(key, image.contentType === 'image/png' ? 'png' : 'jpg');
        const stored = { objectKey, contentType: image.contentType, bytes: image.data.length };
        objects.set(objectKey, stored);
        return stored;
      },
    };
  }

  function countingPool() {
    const calls: RenderPageRequest[] = [];
    return {
      calls,
      async render(request: RenderPageRequest): Promise<RenderedImage> {
        calls.push(request);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return {
          data: Buffer.from('png'),
          contentType: 'image/png',
          width: request.width,
          height: request.height,
          attempts: 1,
          timings: { queueMs: 0, loadMs: 0, renderMs: 0, encodeMs: 0, totalMs: 0 },
        };
      },
    };
  }

  it('serves an identical request from the cache, and renders identical concurrent ones once', async () => {
    const pool = countingPool();
    const cache = memoryCache();
    const service = createRenderService({ pool, cache });
    const input = { width: 256, height: 256, ...fox('/files/fox.glb?sig=1') };

    const [first, concurrent] = await Promise.all([service.render(input), service.render(input)]);
    expect(pool.calls).toHaveLength(1);
    expect(first.cached).toBe(false);
    expect(concurrent.cached).toBe(true);
    expect(first.objectKey).toMatch(/^renders\/[0-9a-f]{2}\/[0-9a-f]{64}\.png$/);

    const again = await service.render({ ...input, ...fox('/files/fox.glb?sig=2') });
    expect(again).toMatchObject({ cached: true, objectKey: first.objectKey });
    expect(pool.calls).toHaveLength(1);

    await service.render({ ...input, camera: { preset: 'front' } });
    expect(pool.calls).toHaveLength(2);
  });

  it('passes pool failures through and caches nothing', async () => {
    const cache = memoryCache();
    const pool = {
      render: async () => {
        throw new RenderError('QUEUE_FULL', 'busy', { retryAfterSeconds: 3 });
      },
    };
    const service = createRenderService({ pool, cache });
    await expect(service.render({ scene: {} })).rejects.toMatchObject({
      code: 'QUEUE_FULL',
      retryAfterSeconds: 3,
    });
    expect(cache.objects.size).toBe(0);
  });
});
