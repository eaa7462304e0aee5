import type { Document, Transform } from '@gltf-transform/core';
import { dedup, prune, quantize, reorder, weld } from '@gltf-transform/functions';
import { assetIO, readForRewrite } from './asset-io.ts';
import { compactAnimationChannels } from './compact-animation-channels.ts';
import { compactGlbJson } from './compact-glb-json.ts';
import { integerPositions } from './integer-positions.ts';
import { PackedMeshoptCompression, withRotationBits } from './packed-meshopt.ts';
import { pruneWhiteVertexColors } from './prune-white-vertex-colors.ts';
import { removeDegenerateTriangles } from './remove-degenerate-triangles.ts';
import { resampleSharedInputs } from './resample-shared-inputs.ts';
import { shrinkTextures } from './shrink-textures.ts';
import { withDefaults } from './with-defaults.ts';

export interface OptimizeAssetOptions {
  /** meshoptimizer's `MeshoptEncoder`, after `await MeshoptEncoder.ready`. Required. */
  encoder: unknown;
  /** Decoders for compressed input: `meshopt.decoder`, `draco3d.decoder`. */
  dependencies?: Record<string, unknown>;
  /** `sharp`, to re-encode and scale down textures; without it textures keep their bytes. */
  textureEncoder?: unknown;
  /** Longest texture side, in pixels. */
  maxTextureSize: number;
  /** Quantization bits (KHR_mesh_quantization); gltfpack's defaults. */
  positionBits: number;
  normalBits: number;
  texcoordBits: number;
  /** Precision of animation rotations in the meshopt quaternion filter. */
  rotationBits: number;
  /** Keyframe tolerance for dropping constant channels and redundant keys (see `channelTolerance`). */
  animationTolerance: number;
}

export const OPTIMIZE_ASSET_DEFAULTS: Readonly<Omit<OptimizeAssetOptions, 'encoder'>> = Object.freeze({
  maxTextureSize: 2048,
  positionBits: 14,
  normalBits: 8,
  texcoordBits: 12,
  rotationBits: 12,
  animationTolerance: 1e-4,
});

// Normals and tangents are quantized too (before welding, so that vertices differing only by float noise
// merge); meshopt's octahedral filter then stores them at the same 8 bits.
const QUANTIZED = /^(POSITION|NORMAL|TANGENT|TEXCOORD_\d+|JOINTS_\d+|WEIGHTS_\d+|COLOR_\d+)$/;

/**
 * The delivery variant of an asset: what a browser downloads. Lossless apart from quantization and
 * texture re-encoding: deduplicates, prunes what no scene uses (named empty nodes stay: they are
 * attachment points), quantizes into one volume, welds, drops zero-area triangles and constant animation
 * channels, thins keyframes, scales textures down to `maxTextureSize`, and compresses geometry and
 * animation with EXT_meshopt_compression. Nothing is simplified. Names, extras, skins, morph targets and
 * animations survive; readers need meshopt decoding (Babylon.js, three.js and glTF-Transform have it).
 *
 * Small files can come out larger than they went in; the caller keeps whichever is smaller.
 */
export async function optimizeAsset(
  bytes: Uint8Array,
  options: Partial<OptimizeAssetOptions> & Pick<OptimizeAssetOptions, 'encoder'>,
): Promise<Uint8Array> {
  const opts = withDefaults(OPTIMIZE_ASSET_DEFAULTS as OptimizeAssetOptions, options);
  const encoder = withRotationBits(opts.encoder as object, opts.rotationBits);
  const io = assetIO({ ...opts.dependencies, 'meshopt.encoder': encoder });
  const document = await readForRewrite(io, bytes);
  const keep = { keepLeaves: true, keepAttributes: false, keepExtras: true } as const;
  const tolerance = opts.animationTolerance;
  // An animation clip or a texture set has no geometry: the geometry passes have nothing to do, and
  // glTF-Transform's quantize fails on a scene without bounds.
  const hasGeometry = document
    .getRoot()
    .listMeshes()
    .some((mesh) => mesh.listPrimitives().some((prim) => prim.getAttribute('POSITION')));
  const geometry = (...transforms: Transform[]): Transform[] => (hasGeometry ? transforms : []);
  await document.transform(
    dedup(),
    prune(keep),
    ...geometry(
      pruneWhiteVertexColors(),
      quantize({
        pattern: QUANTIZED,
        patternTargets: QUANTIZED,
        // One volume for every mesh, so that a mesh and its morph targets and all meshes share one scale.
        quantizationVolume: 'scene',
        quantizePosition: opts.positionBits,
        quantizeNormal: Math.min(opts.normalBits, 8),
        quantizeTexcoord: opts.texcoordBits,
      }),
      integerPositions({ bits: opts.positionBits }),
      weld(),
      removeDegenerateTriangles(),
    ),
    compactAnimationChannels({ tolerance }),
    dedup(),
    resampleSharedInputs({ tolerance }),
    dedup(),
    prune(keep),
    shrinkTextures({ encoder: opts.textureEncoder, maxSize: opts.maxTextureSize }),
    ...geometry(reorder({ encoder, target: 'size' })),
  );
  useMeshopt(document);
  return compactGlbJson(await io.writeBinary(document));
}

function useMeshopt(document: Document): void {
  if (document.getRoot().listAccessors().length === 0) return;
  document
    .createExtension(PackedMeshoptCompression)
    .setRequired(true)
    .setEncoderOptions({ method: PackedMeshoptCompression.EncoderMethod.FILTER });
}
