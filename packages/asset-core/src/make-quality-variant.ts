import { dedup, prune, weld } from '@gltf-transform/functions';
import { assetIO, readForRewrite } from './asset-io.ts';
import { compactGlbJson } from './compact-glb-json.ts';
import { countGeometry } from './count-geometry.ts';
import { reduceToQuality } from './reduce-to-quality.ts';
import { shrinkTextures } from './shrink-textures.ts';
import { withDefaults } from './with-defaults.ts';

export const assetQualities = ['low', 'medium'] as const;
export type AssetQuality = (typeof assetQualities)[number];

export interface MakeQualityVariantOptions {
  /** meshoptimizer's `MeshoptSimplifier`, after `await MeshoptSimplifier.ready`. Required. */
  simplifier: unknown;
  /** Decoders for compressed input: `meshopt.decoder`, `draco3d.decoder`. */
  dependencies?: Record<string, unknown>;
  /** `sharp`, to scale textures down; without it textures keep their bytes. */
  textureEncoder?: unknown;
  /** Share of each mesh's triangles to aim for, 0..1. */
  ratio: number;
  /** Most the surface may move, as a share of the mesh's radius; simplification stops there. */
  error: number;
  /** Longest texture side, in pixels. */
  maxTextureSize: number;
}

/**
 * Per asset, before an export composes several: a quarter of the triangles and 512 px textures for low,
 * half and 1024 px for medium (the texture sizes of the export presets). The error limit (up to 4x the
 * given one) wins over the ratio, so a low-poly asset is reduced less rather than broken.
 */
export const QUALITY_VARIANT_PRESETS: Readonly<
  Record<AssetQuality, Readonly<Pick<MakeQualityVariantOptions, 'ratio' | 'error' | 'maxTextureSize'>>>
> = Object.freeze({
  low: Object.freeze({ ratio: 0.25, error: 0.02, maxTextureSize: 512 }),
  medium: Object.freeze({ ratio: 0.5, error: 0.005, maxTextureSize: 1024 }),
});

/**
 * A reduced copy of an asset for exports: meshes simplified with meshoptimizer towards `ratio` of the
 * triangles (lossy; `reduceToQuality`'s stepped passes, the error limit growing to 4x; skinning and morph
 * targets follow the surviving vertices), textures scaled down in their own format. The geometry stays
 * plain (float, uncompressed) so that converters to OBJ, FBX and the like read it without decoders.
 * Animations, skins, morph targets, names and extras are kept.
 */
export async function makeQualityVariant(
  bytes: Uint8Array,
  options: Pick<MakeQualityVariantOptions, 'simplifier'> & Partial<MakeQualityVariantOptions>,
): Promise<Uint8Array> {
  const opts = withDefaults(
    { ...QUALITY_VARIANT_PRESETS.medium, simplifier: undefined } as MakeQualityVariantOptions,
    options,
  );
  const io = assetIO(opts.dependencies ?? {});
  const document = await readForRewrite(io, bytes);
  const keep = { keepLeaves: true, keepAttributes: true, keepExtras: true } as const;
  await document.transform(dedup(), weld());
  const triangles = countGeometry(document.getRoot().listMeshes()).triangles;
  // Gentle first (seams and hard edges kept), then across them: flat-shaded and voxel models have nothing
  // but seams. Never "sloppy" clustering, which can collapse a small mesh (an eye) to nothing.
  await reduceToQuality(document, {
    maxTriangles: Math.max(1, Math.floor(triangles * opts.ratio)),
    maxTextureSize: Number.POSITIVE_INFINITY,
    simplifier: opts.simplifier,
    steps: [
      { mode: 'topology', error: opts.error },
      { mode: 'permissive', error: opts.error },
      { mode: 'permissive', error: opts.error * 4 },
    ],
  });
  await document.transform(
    prune(keep),
    shrinkTextures({ encoder: opts.textureEncoder, maxSize: opts.maxTextureSize }),
  );
  return compactGlbJson(await io.writeBinary(document));
}
