import type { AssetStorage } from '../../storage/storage.types.ts';
import type { RenderedImage } from './render.types.ts';

/** A rendered image kept in storage under its cache key. */
export interface StoredRender {
  /** The storage key: hand it to `storage.url()` for a URL the client can fetch. */
  objectKey: string;
  contentType: 'image/png' | 'image/jpeg';
  bytes: number;
}

export interface RenderCache {
  get(cacheKey: string, format: 'png' | 'jpg'): Promise<StoredRender | null>;
  put(cacheKey: string, image: RenderedImage): Promise<StoredRender>;
}

const EXTENSION = { 'image/png': 'png', 'image/jpeg': 'jpg' } as const;
const CONTENT_TYPE = { png: 'image/png', jpg: 'image/jpeg' } as const;

/** `renders/ab/abcdef....png`: a content-addressed key never changes its bytes. */
export function renderObjectKey(cacheKey: string, format: 'png' | 'jpg'): string {
  if (!/^[0-9a-f]{64}$/.test(cacheKey)) throw new TypeError('a render cache key is a hex sha256');
  return `renders/${cacheKey.slice(0, 2)}/${cacheKey}.${format}`;
}

/**
 * The render cache in object storage, shared by every API process. Objects are immutable (the key is
 * a hash of everything that shaped the image); the retention sweep removes old ones by prefix.
 */
export function storageRenderCache(storage: AssetStorage): RenderCache {
  return {
    async get(cacheKey, format) {
      const objectKey = renderObjectKey(cacheKey, format);
      const info = await storage.head(objectKey);
      return info ? { objectKey, contentType: CONTENT_TYPE[format], bytes: info.size } : null;
    },
    async put(cacheKey, image) {
      const objectKey = renderObjectKey(cacheKey, EXTENSION[image.contentType]);
      const written = await storage.put(objectKey, image.data, {
        contentType: image.contentType,
        size: image.data.length,
        cacheControl: 'public, max-age=31536000, immutable',
      });
      return { objectKey, contentType: image.contentType, bytes: written.size };
    },
  };
}
