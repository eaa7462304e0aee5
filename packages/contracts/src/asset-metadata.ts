import { z } from 'zod';

/**
 * The inspect report of an asset (`inspectAsset` in asset-core), as the API returns it. The server's
 * tests check that this schema and asset-core's `AssetMetadata` type stay the same shape.
 */
const Vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** Size and triangle count of one derived variant, as the background job recorded them. */
export const VariantSummary = z.object({
  bytes: z.number().int(),
  triangles: z.number().int(),
  vertices: z.number().int(),
  /** The optimized variant came out larger than the original, so it is a copy of the original. */
  sameAsOriginal: z.boolean().optional(),
});
export type VariantSummary = z.infer<typeof VariantSummary>;

/** Kept in the asset's metadata under `variants` once processing has finished. */
export const AssetVariantsSummary = z.object({
  optimized: VariantSummary,
  low: VariantSummary,
  medium: VariantSummary,
});
export type AssetVariantsSummary = z.infer<typeof AssetVariantsSummary>;

export const AssetMetadata = z.object({
  byteLength: z.number(),
  generator: z.string().nullable(),
  extensionsUsed: z.array(z.string()),
  extensionsRequired: z.array(z.string()),
  counts: z.object({
    scenes: z.number(),
    nodes: z.number(),
    meshes: z.number(),
    primitives: z.number(),
    materials: z.number(),
    textures: z.number(),
    skins: z.number(),
    animations: z.number(),
    morphedMeshes: z.number(),
  }),
  geometry: z.object({
    vertices: z.number(),
    triangles: z.number(),
    trianglesByMode: z.object({ triangles: z.number(), strips: z.number(), fans: z.number() }),
    points: z.number(),
    lines: z.number(),
  }),
  bounds: z.object({ min: Vec3, max: Vec3, size: Vec3, center: Vec3 }).nullable(),
  materials: z.array(
    z.object({ name: z.string(), alphaMode: z.enum(['OPAQUE', 'MASK', 'BLEND']), doubleSided: z.boolean() }),
  ),
  textures: z.array(
    z.object({
      name: z.string(),
      mimeType: z.string(),
      width: z.number().nullable(),
      height: z.number().nullable(),
      byteLength: z.number(),
    }),
  ),
  skins: z.array(z.object({ name: z.string(), jointCount: z.number(), jointNames: z.array(z.string()) })),
  animations: z.array(
    z.object({
      name: z.string(),
      channelCount: z.number(),
      start: z.number(),
      end: z.number(),
      duration: z.number(),
    }),
  ),
  morphTargets: z.array(z.object({ mesh: z.string(), count: z.number(), names: z.array(z.string()) })),
  nodeNames: z.array(z.string()),
  sockets: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['joint', 'node']),
      role: z.enum(['head', 'neck', 'chest', 'spine', 'hips', 'hand', 'foot']).nullable(),
      side: z.enum(['left', 'right']).nullable(),
    }),
  ),
  /** Set by the `asset.process` job once the optimized and quality variants exist. */
  variants: AssetVariantsSummary.optional(),
});
export type AssetMetadata = z.infer<typeof AssetMetadata>;
