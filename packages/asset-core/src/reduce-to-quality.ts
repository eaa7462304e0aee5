import type { Document, Texture } from '@gltf-transform/core';
import { compressTexture, prune } from '@gltf-transform/functions';
import { countGeometry } from './count-geometry.ts';
import type { QualityPreset } from './quality-presets.ts';
import { type SimplifyMode, simplifyToRatio } from './simplify-to-ratio.ts';
import { withDefaults } from './with-defaults.ts';

export interface ReduceToQualityOptions extends QualityPreset {
  /**
   * meshoptimizer's `MeshoptSimplifier`, needed only when the document is over `maxTriangles`. Passed in,
   * like every encoder, so asset-core loads no WASM of its own.
   */
  simplifier?: unknown;
  /** `sharp`, for resizing textures in Node; without it glTF-Transform's portable fallback resizes. */
  encoder?: unknown;
  /**
   * Passes tried in turn until the budget is met, each with an error limit (a fraction of the mesh's
   * radius): the gentle ones keep seams and silhouette, the last always reaches the budget.
   */
  steps: ReadonlyArray<{ mode: SimplifyMode; error: number }>;
}

export const REDUCE_TO_QUALITY_DEFAULTS: Readonly<Omit<ReduceToQualityOptions, keyof QualityPreset>> =
  Object.freeze({
    steps: Object.freeze([
      { mode: 'topology', error: 0.01 },
      { mode: 'topology', error: 0.05 },
      { mode: 'permissive', error: 0.05 },
      { mode: 'permissive', error: 0.25 },
      { mode: 'sloppy', error: 1 },
    ] as const),
  });

export interface ReduceToQualityReport {
  trianglesBefore: number;
  trianglesAfter: number;
  /** False only when even the last step could not get under the budget. */
  withinBudget: boolean;
  simplified: boolean;
  texturesResized: number;
  /** Textures over the size limit in a format that cannot be resized here (KTX2, say). */
  texturesOverLimit: number;
}

// Formats glTF-Transform can decode and re-encode; KTX2 (Basis) textures it cannot resize.
const RESIZABLE = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/avif']);

/**
 * Brings a document within a quality preset: simplifies every mesh by the same ratio (meshoptimizer,
 * lossy), more boldly at each step, until the whole document fits the triangle budget, then scales down
 * textures over the size limit. Modifies the
 * document in place and says what it did.
 */
export async function reduceToQuality(
  document: Document,
  options: Partial<ReduceToQualityOptions> & QualityPreset,
): Promise<ReduceToQualityReport> {
  // The cast: the preset fields have no defaults, and `options` always carries them.
  const opts = withDefaults(REDUCE_TO_QUALITY_DEFAULTS as ReduceToQualityOptions, options);
  const triangles = () => countGeometry(document.getRoot().listMeshes()).triangles;
  const trianglesBefore = triangles();
  let current = trianglesBefore;
  let simplified = false;
  if (current > opts.maxTriangles) {
    if (!opts.simplifier) {
      throw new Error(
        'reduceToQuality: the document is over its triangle budget and no simplifier was given',
      );
    }
    for (const { mode, error } of opts.steps) {
      // Aim a little under: the simplifier stops near its target, and every mesh rounds on its own.
      const ratio = Math.min(1, (opts.maxTriangles / current) * 0.97);
      await simplifyToRatio(document, opts.simplifier, ratio, error, mode);
      simplified = true;
      current = triangles();
      if (current <= opts.maxTriangles) break;
    }
  }

  let texturesResized = 0;
  let texturesOverLimit = 0;
  for (const texture of document.getRoot().listTextures()) {
    const size = textureSize(texture);
    if (!size || Math.max(size[0], size[1]) <= opts.maxTextureSize) continue;
    if (!RESIZABLE.has(texture.getMimeType())) {
      texturesOverLimit++;
      continue;
    }
    await compressTexture(texture, {
      encoder: opts.encoder,
      resize: [opts.maxTextureSize, opts.maxTextureSize],
    });
    texturesResized++;
  }

  if (simplified) {
    // Simplification leaves the old vertex streams behind; they would still be written out.
    await document.transform(
      prune({ keepLeaves: true, keepAttributes: true, keepSolidTextures: true, keepExtras: true }),
    );
  }
  return {
    trianglesBefore,
    trianglesAfter: current,
    withinBudget: current <= opts.maxTriangles,
    simplified,
    texturesResized,
    texturesOverLimit,
  };
}

function textureSize(texture: Texture): [number, number] | null {
  try {
    return texture.getSize();
  } catch {
    return null; // an unreadable header: leave the texture as it is
  }
}
