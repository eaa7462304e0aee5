import type { ValidateGlbOptions } from '@avatar/asset-core';
import type { Config } from '../../config/config.ts';

export interface UploadLimits extends Partial<ValidateGlbOptions> {
  maxBytes: number;
  maxTriangles: number;
  maxVertices: number;
  maxTextureDimension: number;
  maxImagePixels: number;
  maxDataUriBytes: number;
}

/**
 * The structural limits every uploaded asset must stay within; the rest keep asset-core's defaults. One
 * frozen object per config, so that asset-core merges it with its defaults once (`defaultsFor`), not on
 * every upload.
 */
export function uploadLimits(config: Config): Readonly<UploadLimits> {
  let limits = byConfig.get(config);
  if (!limits) {
    limits = Object.freeze({
      maxBytes: config.MAX_UPLOAD_BYTES,
      maxTriangles: config.UPLOAD_MAX_TRIANGLES,
      maxVertices: config.UPLOAD_MAX_VERTICES,
      maxTextureDimension: config.UPLOAD_MAX_TEXTURE_SIZE,
      maxImagePixels: config.UPLOAD_MAX_IMAGE_PIXELS,
      maxDataUriBytes: config.UPLOAD_MAX_DATA_URI_BYTES,
    });
    byConfig.set(config, limits);
  }
  return limits;
}

const byConfig = new WeakMap<Config, Readonly<UploadLimits>>();
