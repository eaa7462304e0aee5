import {
  type AvatarConfig,
  type AvatarParts,
  type AvatarSlot,
  avatarSlots,
  type ResolvedAsset,
  type ResolvedAvatar,
  type SaveAvatarConfigInput,
  slotAssetTypes,
} from '@avatar/contracts';
import type { Db } from '../../db/database.ts';
import type { AssetRow } from '../../db/tables.ts';
import { AppError } from '../../http/errors.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import { findAsset } from '../catalog/catalog.repository.ts';
import * as repo from './avatars.repository.ts';
import { type ResolvedRow, resolveAsset } from './resolve-asset.ts';

export interface AvatarDeps {
  db: Db;
  storage: AssetStorage;
}

type SingleSlot = Exclude<AvatarSlot, 'accessories'>;
const singleSlots = avatarSlots.filter((s): s is SingleSlot => s !== 'accessories');

/** Every asset id a config names, with the field it sits in and the type that field takes. */
function references(modelAssetId: string | null, parts: AvatarParts) {
  const refs: Array<{ field: string; id: string; type: string; slot: AvatarSlot | null }> = [];
  if (modelAssetId) refs.push({ field: 'modelAssetId', id: modelAssetId, type: 'base_model', slot: null });
  for (const slot of singleSlots) {
    const id = parts[slot];
    if (id) refs.push({ field: `parts.${slot}`, id, type: slotAssetTypes[slot], slot });
  }
  (parts.accessories ?? []).forEach((id, i) => {
    refs.push({ field: `parts.accessories.${i}`, id, type: slotAssetTypes.accessories, slot: 'accessories' });
  });
  return refs;
}

function problemWith(row: AssetRow | undefined, type: string): { problem: string; message: string } | null {
  if (!row || row.status === 'processing' || row.status === 'failed') {
    return { problem: 'missing', message: 'no asset with this id is available' };
  }
  if (row.asset_type !== type) {
    return {
      problem: 'wrong_slot',
      message: `this asset is a ${row.asset_type}, and this slot takes a ${type}`,
    };
  }
  if (row.status === 'deprecated') {
    const instead = row.replaced_by ? '; use the version that replaced it' : '';
    return { problem: 'deprecated', message: `this asset is deprecated${instead}` };
  }
  return null;
}

/** `PUT /api/v1/character/config`: every asset named must exist, be active and fit its slot. */
export async function saveConfig(
  deps: AvatarDeps,
  userId: string,
  input: SaveAvatarConfigInput,
): Promise<AvatarConfig> {
  const refs = references(input.modelAssetId, input.parts);
  const rows = await Promise.all(refs.map((ref) => findAsset(deps.db, ref.id)));
  const problems = refs.flatMap((ref, i) => {
    const found = problemWith(rows[i], ref.type);
    return found ? [{ field: ref.field, assetId: ref.id, ...found }] : [];
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new AppError('BAD_REQUEST', 'VALIDATION_FAILED', `${first.field}: ${first.message}`, {
      details: {
        problems: problems.map((p) => ({
          field: p.field,
          problem: p.problem,
          replacedBy: replacedBy(rows, p),
        })),
      },
    });
  }
  const parts: Record<string, unknown> = {};
  for (const slot of singleSlots) if (input.parts[slot]) parts[slot] = input.parts[slot];
  if (input.parts.accessories?.length) parts.accessories = input.parts.accessories;
  const row = await repo.saveConfig(deps.db, userId, {
    model_asset_id: input.modelAssetId,
    model_url: input.modelUrl,
    parts,
    colors: input.colors,
    morphs: input.morphs,
  });
  return toAvatarConfig(deps, row);
}

function replacedBy(rows: Array<AssetRow | undefined>, problem: { assetId: string; problem: string }) {
  if (problem.problem !== 'deprecated') return undefined;
  return rows.find((r) => r?.id === problem.assetId)?.replaced_by ?? undefined;
}

/** `GET /api/v1/character/config`: the saved config (or an empty one) with what it resolves to. */
export async function getConfig(deps: AvatarDeps, userId: string): Promise<AvatarConfig> {
  return toAvatarConfig(deps, await repo.findConfig(deps.db, userId));
}

/** Parts as stored: only known slots, only string ids (the column is jsonb and may predate validation). */
function storedParts(value: unknown): AvatarParts {
  const parts: AvatarParts = {};
  if (typeof value !== 'object' || value === null) return parts;
  const record = value as Record<string, unknown>;
  for (const slot of singleSlots) if (typeof record[slot] === 'string') parts[slot] = record[slot] as string;
  if (Array.isArray(record.accessories)) {
    parts.accessories = record.accessories.filter((id): id is string => typeof id === 'string');
  }
  return parts;
}

/** The one place a config row becomes its API shape. */
async function toAvatarConfig(
  deps: AvatarDeps,
  row: repo.AvatarConfigRow | undefined,
): Promise<AvatarConfig> {
  const parts = storedParts(row?.parts);
  const resolved = await resolveConfig(deps, row?.model_asset_id ?? null, parts);
  return {
    modelAssetId: row?.model_asset_id ?? null,
    modelUrl: row?.model_url ?? null,
    parts,
    colors: (row?.colors as Record<string, string> | undefined) ?? {},
    morphs: (row?.morphs as Record<string, number> | undefined) ?? {},
    resolved: await toResolvedAvatar(deps.storage, resolved, row?.model_url ?? null),
    glbUrl: row?.glb_key ? await deps.storage.url(row.glb_key) : (row?.glb_url ?? null),
    glbGeneratedAt: row?.glb_generated_at?.toISOString() ?? null,
    updatedAt: row?.updated_at.toISOString() ?? null,
  };
}

export interface ResolvedConfig {
  model: ResolvedRow | null;
  parts: Array<{ slot: AvatarSlot; resolved: ResolvedRow }>;
}

async function resolveConfig(
  deps: AvatarDeps,
  modelAssetId: string | null,
  parts: AvatarParts,
): Promise<ResolvedConfig> {
  const refs = references(modelAssetId, parts);
  const resolved = await Promise.all(refs.map((ref) => resolveAsset(deps.db, ref.id)));
  const fits = (i: number) => resolved[i] && resolved[i].row.asset_type === refs[i]!.type;
  const modelIndex = refs.findIndex((ref) => ref.slot === null);
  return {
    model: modelIndex >= 0 && fits(modelIndex) ? resolved[modelIndex]! : null,
    parts: refs.flatMap((ref, i) =>
      ref.slot && fits(i) ? [{ slot: ref.slot, resolved: resolved[i]! }] : [],
    ),
  };
}

async function toResolvedAvatar(
  storage: AssetStorage,
  config: ResolvedConfig,
  modelUrl: string | null,
): Promise<ResolvedAvatar> {
  const view = async ({ source, row }: ResolvedRow): Promise<ResolvedAsset> => ({
    source,
    assetId: row.id,
    url: await storage.url(row.storage_key, { immutable: true }),
  });
  const model: ResolvedAsset = config.model
    ? await view(config.model)
    : modelUrl
      ? { source: 'legacy_url', assetId: null, url: modelUrl }
      : { source: 'fallback', assetId: null, url: null };
  const part = (slot: AvatarSlot) => config.parts.find((p) => p.slot === slot);
  const single = async (slot: SingleSlot) => {
    const found = part(slot);
    return found ? view(found.resolved) : null;
  };
  return {
    model,
    parts: {
      hair: await single('hair'),
      top: await single('top'),
      bottom: await single('bottom'),
      shoes: await single('shoes'),
      accessories: await Promise.all(
        config.parts.filter((p) => p.slot === 'accessories').map((p) => view(p.resolved)),
      ),
    },
  };
}

/** What an export composes: the resolved catalog rows (the storage keys stay inside the server). */
export interface AvatarForExport {
  model: AssetRow | null;
  parts: Array<{ slot: AvatarSlot; row: AssetRow }>;
  colors: Record<string, string>;
  morphs: Record<string, number>;
}

/** A legacy `modelUrl` is not fetched: the server reads only its own storage, so such avatars export the fallback. */
export async function loadForExport(deps: AvatarDeps, userId: string): Promise<AvatarForExport> {
  const row = await repo.findConfig(deps.db, userId);
  const resolved = await resolveConfig(deps, row?.model_asset_id ?? null, storedParts(row?.parts));
  return {
    model: resolved.model?.row ?? null,
    parts: resolved.parts.map((p) => ({ slot: p.slot, row: p.resolved.row })),
    colors: (row?.colors as Record<string, string> | undefined) ?? {},
    morphs: (row?.morphs as Record<string, number> | undefined) ?? {},
  };
}

export { clearGlbByKeys, clearStaleGlbs, recordGlb } from './avatars.repository.ts';
