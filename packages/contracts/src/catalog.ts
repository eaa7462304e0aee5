import { z } from 'zod';
import { AssetMetadata } from './asset-metadata.ts';

export const assetTypes = [
  'base_model',
  'hair',
  'top',
  'bottom',
  'shoes',
  'accessory',
  'animation',
  'texture',
] as const;
export const AssetType = z.enum(assetTypes);
export type AssetType = z.infer<typeof AssetType>;

/** The categories each type allows; a category outside its type's list is refused. */
export const categoriesByType = {
  base_model: ['humanoid', 'creature', 'robot'],
  hair: ['short', 'long', 'facial'],
  top: ['casual', 'formal', 'fantasy', 'sport', 'scifi'],
  bottom: ['casual', 'formal', 'fantasy', 'sport', 'scifi'],
  shoes: ['casual', 'formal', 'fantasy', 'sport', 'scifi'],
  accessory: ['headwear', 'eyewear', 'jewelry', 'back', 'handheld'],
  animation: ['idle', 'locomotion', 'emote', 'combat'],
  texture: ['skin', 'fabric', 'pattern'],
} as const satisfies Record<AssetType, readonly string[]>;

type Category = (typeof categoriesByType)[AssetType][number];
export const assetCategories = [...new Set(Object.values(categoriesByType).flat())] as [
  Category,
  ...Category[],
];
export const AssetCategory = z.enum(assetCategories);
export type AssetCategory = z.infer<typeof AssetCategory>;

export const categoryAllowed = (type: AssetType, category: string): boolean =>
  (categoriesByType[type] as readonly string[]).includes(category);

export const assetStatuses = ['processing', 'active', 'deprecated', 'failed'] as const;
export const AssetStatus = z.enum(assetStatuses);
export type AssetStatus = z.infer<typeof AssetStatus>;

export const AssetName = z
  .string()
  .trim()
  .min(1, 'Name is required')
  .max(120, 'Names have at most 120 characters');
export const AssetKey = z
  .string()
  .min(2, 'Keys have at least 2 characters')
  .max(120, 'Keys have at most 120 characters')
  .regex(
    /^[a-z0-9][a-z0-9-/]*$/,
    'Keys use lowercase letters, digits, "-" and "/", and start with a letter or digit',
  )
  .refine((k) => !k.includes('//') && !k.endsWith('/'), 'Keys have no empty path segments');
export const Tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Tags are not empty')
  .max(32, 'Tags have at most 32 characters')
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u, 'Tags use letters, digits, spaces, "-" and "_"');
export const Tags = z
  .array(Tag)
  .max(20, 'At most 20 tags')
  .transform((tags) => [...new Set(tags)]);

/** Plain MAJOR.MINOR.PATCH (no pre-release): versions sort as three integers. */
export const SemVer = z
  .string()
  .regex(/^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/, 'Versions look like 1.2.3');
export type SemVer = z.infer<typeof SemVer>;

export const Asset = z.object({
  id: z.uuid(),
  type: AssetType,
  name: z.string(),
  key: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
  version: SemVer,
  status: AssetStatus,
  fileSize: z.number().int(),
  mimeType: z.string(),
  sha256: z.string(),
  thumbnailUrl: z.string().nullable(),
  metadata: AssetMetadata.nullable(),
  statusReason: z.string().nullable(),
  replacedBy: z.uuid().nullable(),
  uploadedBy: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Asset = z.infer<typeof Asset>;

/** A list entry: everything but the (large) metadata. */
export const AssetSummary = Asset.omit({ metadata: true }).extend({
  triangles: z.number().int().nullable(),
});
export type AssetSummary = z.infer<typeof AssetSummary>;

export const catalogSorts = ['newest', 'name', 'version'] as const;
export const CatalogSort = z.enum(catalogSorts);

const csv = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : v), z.array(item).max(20));

export const CatalogFilters = z.object({
  type: AssetType.optional(),
  category: AssetCategory.optional(),
  /** Comma-separated in a query string. */
  tags: csv(Tag).optional(),
  tagMode: z.enum(['any', 'all']).default('any'),
  status: AssetStatus.optional(),
  uploadedBy: z.uuid().optional(),
});

export const Pagination = z.object({
  limit: z.coerce.number().int().min(1, 'limit is at least 1').max(200, 'limit is at most 200').default(50),
  cursor: z.string().max(500).optional(),
});

export const ListCatalogInput = CatalogFilters.extend(Pagination.shape).extend({
  sort: CatalogSort.default('newest'),
});
export type ListCatalogInput = z.infer<typeof ListCatalogInput>;

export const AssetPage = z.object({ items: z.array(AssetSummary), nextCursor: z.string().nullable() });
export type AssetPage = z.infer<typeof AssetPage>;

export const SearchCatalogInput = CatalogFilters.extend(Pagination.shape).extend({
  q: z
    .string()
    .trim()
    .min(1, 'Type something to search for')
    .max(200, 'Searches have at most 200 characters'),
});
export type SearchCatalogInput = z.infer<typeof SearchCatalogInput>;

const Facet = z.array(z.object({ value: z.string(), count: z.number().int() }));
export const SearchResult = AssetPage.extend({
  facets: z.object({ type: Facet, category: Facet, tag: Facet }),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const AssetIdInput = z.object({ id: z.uuid('Asset ids are UUIDs') });

export const CreateAssetInput = z.object({
  type: AssetType,
  name: AssetName,
  key: AssetKey,
  category: AssetCategory,
  tags: Tags.default([]),
  version: SemVer.default('1.0.0'),
  /** An object already in storage (for example placed by an operator or a migration). */
  storageKey: z.string().min(1).max(500),
});
export type CreateAssetInput = z.infer<typeof CreateAssetInput>;

export const UpdateAssetInput = z.object({
  id: z.uuid(),
  name: AssetName.optional(),
  category: AssetCategory.optional(),
  tags: Tags.optional(),
});
export type UpdateAssetInput = z.infer<typeof UpdateAssetInput>;

export const DeprecateAssetInput = z.object({ id: z.uuid(), replacedBy: z.uuid().optional() });
export const DeprecateResult = z.object({
  asset: Asset,
  /** Avatar configs that still point at this asset (they keep working through the fallback chain). */
  avatarConfigsReferencing: z.number().int(),
  wasLastActiveVersion: z.boolean(),
});

export const CreateVersionInput = z
  .object({
    id: z.uuid(),
    bump: z.enum(['major', 'minor', 'patch']).optional(),
    version: SemVer.optional(),
    name: AssetName.optional(),
    tags: Tags.optional(),
  })
  .refine((v) => (v.bump ? 1 : 0) + (v.version ? 1 : 0) === 1, 'Give either bump or version, not both');
export type CreateVersionInput = z.infer<typeof CreateVersionInput>;

export const VersionList = z.object({ key: z.string(), items: z.array(AssetSummary) });

const Delta = z.object({
  before: z.number().nullable(),
  after: z.number().nullable(),
  delta: z.number().nullable(),
});
export const AssetDiff = z.object({
  from: AssetSummary,
  to: AssetSummary,
  fileSize: Delta,
  triangles: Delta,
  vertices: Delta,
  materials: Delta,
  textures: Delta,
  boundsSize: z.object({ before: z.array(z.number()).nullable(), after: z.array(z.number()).nullable() }),
  tags: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
});
export type AssetDiff = z.infer<typeof AssetDiff>;

const decodePathSegment = (v: unknown) => {
  if (typeof v !== 'string' || !v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
};
/** REST clients send a key with slashes as one path segment (`robot%2Fknight`). */
export const LatestByKeyInput = z.object({ key: z.preprocess(decodePathSegment, AssetKey) });
export const AssetsByTypeInput = z.object({ type: AssetType }).extend(Pagination.shape);
export const DiffInput = z.object({
  id: z.uuid('Asset ids are UUIDs'),
  otherId: z.uuid('Asset ids are UUIDs'),
});
