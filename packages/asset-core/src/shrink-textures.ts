import type { Document, Texture, Transform } from '@gltf-transform/core';
import { compressTexture } from '@gltf-transform/functions';

export interface ShrinkTexturesOptions {
  /** `sharp` (Node). Without it textures are left as they are. */
  encoder?: unknown;
  /** Longest side, in pixels; larger textures are scaled down, keeping their aspect ratio. */
  maxSize: number;
}

// What sharp decodes and encodes; KTX2 (Basis) textures are left as they are.
const RESIZABLE = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/avif']);

/**
 * Re-encodes every texture in its own format and scales down those over `maxSize`. A texture within the
 * limit keeps its original bytes when re-encoding does not make it smaller (small PNGs often grow), and
 * no texture changes format, so every loader that read the original reads the result.
 */
export function shrinkTextures(options: ShrinkTexturesOptions): Transform {
  return async (document: Document) => {
    if (!options.encoder) return;
    for (const texture of document.getRoot().listTextures()) {
      if (!RESIZABLE.has(texture.getMimeType()) || !texture.getImage()) continue;
      const size = sizeOf(texture);
      const tooLarge = size !== null && Math.max(size[0], size[1]) > options.maxSize;
      try {
        await compressTexture(texture, {
          encoder: options.encoder,
          ...(tooLarge ? { resize: [options.maxSize, options.maxSize] as [number, number] } : {}),
        });
      } catch {
        // An image sharp cannot decode stays as it is; the validator already accepted it.
      }
    }
  };
}

function sizeOf(texture: Texture): [number, number] | null {
  try {
    return texture.getSize();
  } catch {
    return null;
  }
}
