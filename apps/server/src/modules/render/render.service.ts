import { createHash } from 'node:crypto';
import { type RenderModel, RenderPageRequest } from '@avatar/contracts';
import type { RenderCache, StoredRender } from './render.cache.ts';
import type { RenderPool } from './render.pool.ts';
import { RenderError, type RenderedImage } from './render.types.ts';

/**
 * Bump when the scene code changes what an image looks like (lighting, framing, presets): every cached
 * image is then rendered again instead of served stale.
 */
export const RENDER_CACHE_VERSION = 1;

/** A JPEG has no alpha channel: a transparent background becomes this. */
const JPEG_BACKGROUND = '#ffffff';

/** Rounds to `decimals` places without binary noise (35.3, not 35.300000000000004). */
const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/**
 * Validates a render request and puts it in one canonical form, so that requests that draw the same
 * image look the same (and share a cache key): colors lower-cased, angles to 0.1 degree, times to the
 * millisecond, weights to 0.001, a JPEG's transparent background made white.
 */
export function normalizeRenderRequest(input: unknown): RenderPageRequest {
  const parsed = RenderPageRequest.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`);
    throw new RenderError('BAD_REQUEST', `Invalid render request: ${problems.join('; ')}`);
  }
  const request = parsed.data;
  const weights = (morphs: Record<string, number>) =>
    Object.fromEntries(Object.entries(morphs).map(([name, weight]) => [name, round(weight, 3)]));
  return {
    ...request,
    background:
      request.background === 'transparent' && request.format === 'jpg'
        ? JPEG_BACKGROUND
        : request.background.toLowerCase(),
    camera:
      'preset' in request.camera
        ? request.camera
        : {
            yaw: ((round(request.camera.yaw, 1) % 360) + 360) % 360,
            pitch: round(request.camera.pitch, 1),
            fov: round(request.camera.fov, 1),
          },
    ...(request.animation
      ? { animation: { ...request.animation, time: round(request.animation.time, 3) } }
      : {}),
    ...(request.morphs ? { morphs: weights(request.morphs) } : {}),
    quality: request.format === 'jpg' ? request.quality : 90,
    scene: {
      ...request.scene,
      colors: Object.fromEntries(
        Object.entries(request.scene.colors).map(([name, color]) => [name, color.toLowerCase()]),
      ),
      morphs: weights(request.scene.morphs),
    },
  };
}

/**
 * The cache key of a normalized request: sha256 of its canonical JSON, where each model is named by
 * the hash of its bytes when known (a signed URL changes on every call) and by its URL otherwise.
 */
export function renderCacheKey(request: RenderPageRequest): string {
  const model = (m: RenderModel) => (m.contentHash ? { sha256: m.contentHash } : { url: m.url });
  const identity = {
    version: RENDER_CACHE_VERSION,
    ...request,
    scene: {
      ...request.scene,
      base: request.scene.base ? model(request.scene.base) : null,
      parts: request.scene.parts.map((part) => ({ ...model(part), socket: part.socket ?? null })),
    },
  };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}

/** The asset thumbnail: 256x256 PNG, three-quarter view, transparent background. */
export function thumbnailRequest(model: RenderModel): RenderPageRequest {
  return normalizeRenderRequest({
    width: 256,
    height: 256,
    format: 'png',
    background: 'transparent',
    camera: { preset: 'three-quarter' },
    scene: { base: model },
  });
}

export interface RenderServiceDeps {
  pool: Pick<RenderPool, 'render'>;
  cache: RenderCache;
}

export interface RenderServiceResult extends StoredRender {
  /** True when an identical earlier request's image was served. */
  cached: boolean;
  /** The fresh image (absent when served from the cache). */
  image?: RenderedImage;
}

/**
 * Renders through the pool, in front of a cache: an identical request (same normalized options, same
 * model bytes) is answered from the cache, and identical requests in flight at once render only once.
 */
export function createRenderService({ pool, cache }: RenderServiceDeps) {
  const inFlight = new Map<string, Promise<RenderServiceResult>>();

  async function renderUncached(key: string, request: RenderPageRequest): Promise<RenderServiceResult> {
    const stored = await cache.get(key, request.format);
    if (stored) return { ...stored, cached: true };
    const image = await pool.render(request);
    return { ...(await cache.put(key, image)), cached: false, image };
  }

  return {
    async render(input: unknown): Promise<RenderServiceResult> {
      const request = normalizeRenderRequest(input);
      const key = renderCacheKey(request);
      const running = inFlight.get(key);
      if (running) return { ...(await running), cached: true };
      const job = renderUncached(key, request).finally(() => inFlight.delete(key));
      inFlight.set(key, job);
      return job;
    },
  };
}

export type RenderService = ReturnType<typeof createRenderService>;

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
