import { z } from 'zod';
import type { AssetType } from './catalog.ts';

/** Where parts go on an avatar; each slot takes one asset type. */
export const avatarSlots = ['hair', 'top', 'bottom', 'shoes', 'accessories'] as const;
export const AvatarSlot = z.enum(avatarSlots);
export type AvatarSlot = z.infer<typeof AvatarSlot>;

export const slotAssetTypes = {
  hair: 'hair',
  top: 'top',
  bottom: 'bottom',
  shoes: 'shoes',
  accessories: 'accessory',
} as const satisfies Record<AvatarSlot, AssetType>;

type SocketRole = 'head' | 'neck' | 'chest' | 'spine' | 'hips' | 'hand' | 'foot';
export interface SocketChoice {
  role: SocketRole;
  side?: 'left' | 'right';
}

/**
 * Where a part that is not skinned to the base's skeleton goes, tried in order (sockets are found by role
 * in the base's inspect report). Shoes have no single socket (two feet): they stay at the origin, where
 * the feet stand. One table for the export composer and the editor, so both draw the same avatar.
 */
const SLOT_SOCKETS: Record<Exclude<AvatarSlot, 'accessories'>, readonly SocketChoice[]> = {
  hair: [{ role: 'head' }, { role: 'neck' }],
  top: [{ role: 'chest' }, { role: 'spine' }, { role: 'hips' }],
  bottom: [{ role: 'hips' }],
  shoes: [],
};
const ACCESSORY_SOCKETS: Record<string, readonly SocketChoice[]> = {
  headwear: [{ role: 'head' }],
  eyewear: [{ role: 'head' }],
  jewelry: [{ role: 'neck' }, { role: 'chest' }],
  back: [{ role: 'chest' }, { role: 'spine' }],
  handheld: [{ role: 'hand', side: 'right' }, { role: 'hand' }],
};

/** The sockets a part of this slot (and, for accessories, category) is placed at, best first. */
export function socketChoicesFor(slot: AvatarSlot, category: string): readonly SocketChoice[] {
  if (slot !== 'accessories') return SLOT_SOCKETS[slot];
  return ACCESSORY_SOCKETS[category] ?? [{ role: 'head' }];
}

export const MAX_ACCESSORIES = 5;
export const MAX_COLORS = 32;
export const MAX_MORPHS = 64;

const AssetId = z.uuid('Asset ids are UUIDs');

/** Asset ids by slot; a slot left out or null is empty. Unknown slots are refused. */
export const AvatarParts = z.strictObject({
  hair: AssetId.nullable().optional(),
  top: AssetId.nullable().optional(),
  bottom: AssetId.nullable().optional(),
  shoes: AssetId.nullable().optional(),
  accessories: z
    .array(AssetId)
    .max(MAX_ACCESSORIES, `At most ${MAX_ACCESSORIES} accessories`)
    .refine((ids) => new Set(ids).size === ids.length, 'The same accessory is listed twice')
    .optional(),
});
export type AvatarParts = z.infer<typeof AvatarParts>;

/** A material name of the model (or part) the colour goes on. */
const MaterialSlot = z
  .string()
  .min(1, 'Material names are not empty')
  .max(64, 'Material names have at most 64 characters');
export const AvatarColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Colours look like #rrggbb');

export const AvatarColors = z
  .record(MaterialSlot, AvatarColor)
  .refine((c) => Object.keys(c).length <= MAX_COLORS, `At most ${MAX_COLORS} colours`);
export const AvatarMorphs = z
  .record(
    z
      .string()
      .min(1, 'Morph target names are not empty')
      .max(64, 'Morph target names have at most 64 characters'),
    z.number().min(0, 'Morph weights are between 0 and 1').max(1, 'Morph weights are between 0 and 1'),
  )
  .refine((m) => Object.keys(m).length <= MAX_MORPHS, `At most ${MAX_MORPHS} morph weights`);

/** An older client's model address, kept working: an http(s) URL or a path on this server. */
export const LegacyModelUrl = z
  .string()
  .max(2048)
  .refine(
    (v) => /^https?:\/\/[^\s]+$/i.test(v) || /^\/[^\s/][^\s]*$/.test(v),
    'modelUrl is an http(s) URL or a path',
  );

/** `PUT /api/v1/character/config`: the whole config, replacing the saved one. */
export const SaveAvatarConfigInput = z.strictObject({
  modelAssetId: AssetId.nullable().default(null),
  modelUrl: LegacyModelUrl.nullable().default(null),
  parts: AvatarParts.default({}),
  colors: AvatarColors.default({}),
  morphs: AvatarMorphs.default({}),
});
export type SaveAvatarConfigInput = z.infer<typeof SaveAvatarConfigInput>;

/**
 * Where a model or part was found: its own asset; the asset that replaced a deprecated one; the legacy
 * `modelUrl`; or nothing usable, in which case the client draws the built-in fallback avatar
 * (asset-core's `buildFallbackAvatar`, the same one exports use).
 */
export const ResolvedSource = z.enum(['asset', 'replacement', 'legacy_url', 'fallback']);
export type ResolvedSource = z.infer<typeof ResolvedSource>;

export const ResolvedAsset = z.object({
  source: ResolvedSource,
  /** The asset drawn: the one configured, or its replacement. Null for a legacy URL or the fallback. */
  assetId: z.uuid().nullable(),
  /** Null only for the fallback. */
  url: z.string().nullable(),
});
export type ResolvedAsset = z.infer<typeof ResolvedAsset>;

export const ResolvedAvatar = z.object({
  model: ResolvedAsset,
  /** Only parts that resolve; a missing one is left out rather than breaking the avatar. */
  parts: z.object({
    hair: ResolvedAsset.nullable(),
    top: ResolvedAsset.nullable(),
    bottom: ResolvedAsset.nullable(),
    shoes: ResolvedAsset.nullable(),
    accessories: z.array(ResolvedAsset),
  }),
});
export type ResolvedAvatar = z.infer<typeof ResolvedAvatar>;

export const AvatarConfig = z.object({
  modelAssetId: z.uuid().nullable(),
  modelUrl: z.string().nullable(),
  parts: AvatarParts,
  colors: z.record(z.string(), z.string()),
  morphs: z.record(z.string(), z.number()),
  resolved: ResolvedAvatar,
  /** The latest GLB export of this avatar, when there is one. */
  glbUrl: z.string().nullable(),
  glbGeneratedAt: z.iso.datetime().nullable(),
  /** Null until the config is first saved. */
  updatedAt: z.iso.datetime().nullable(),
});
export type AvatarConfig = z.infer<typeof AvatarConfig>;
