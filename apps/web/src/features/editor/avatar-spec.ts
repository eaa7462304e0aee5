import type { Asset, AvatarSlot } from '@avatar/contracts';
import type { AvatarSpec, ModelFallback, PartRef } from '../../engine/avatar-model.ts';
import { assetUrls } from '../../resources/asset-url-resolver.ts';
import { resourceLoader } from '../../resources/resource-loader.ts';
import { catalogApi } from '../catalog/asset-catalog-api.ts';
import type { Draft } from './editor-state.ts';
import { socketFor } from './sockets.ts';

export const slotLabels: Record<AvatarSlot | 'base', string> = {
  base: 'Body',
  hair: 'Hair',
  top: 'Top',
  bottom: 'Bottom',
  shoes: 'Shoes',
  accessories: 'Accessories',
};

/** What the scene should draw, and the words to use when one of its models needs a fallback. */
export interface PlannedAvatar {
  spec: AvatarSpec;
  /** "Body “Cesium Man”", one per model in the spec: base first (when there is one), then parts. */
  labels: { base: string; parts: string[] };
  /** Fallbacks already taken while planning (an asset with no file left). */
  notices: string[];
}

interface PlannedModel {
  asset: Asset | null;
  urls: string[];
}

/** An asset's details and its download URLs, best first: the optimized variant, then the original. */
async function planModel(id: string): Promise<PlannedModel> {
  const [asset, optimized, original] = await Promise.all([
    catalogApi.byId(id).catch(() => null),
    assetUrls.resolve(id, 'optimized').catch(() => null),
    assetUrls.resolve(id, 'original').catch(() => null),
  ]);
  const urls = [optimized?.url, original?.url].filter((url): url is string => !!url);
  return { asset, urls: [...new Set(urls)] };
}

const named = (slot: AvatarSlot | 'base', asset: Asset | null) =>
  asset ? `${slotLabels[slot]} “${asset.name}”` : slotLabels[slot];

/**
 * The fallback chain of each model, first part: asset id -> its URLs (optimized, then original) ->
 * for the base, the legacy `modelUrl` -> the built-in shape. `resolvedIds` maps a deprecated asset to
 * the version that replaced it, as the server resolved it.
 */
export async function planAvatar(
  draft: Draft,
  resolvedIds: ReadonlyMap<string, string>,
): Promise<PlannedAvatar> {
  const idOf = (id: string) => resolvedIds.get(id) ?? id;
  const partIds: Array<{ slot: AvatarSlot; id: string }> = [];
  for (const slot of ['hair', 'top', 'bottom', 'shoes'] as const) {
    const id = draft.parts[slot];
    if (id) partIds.push({ slot, id });
  }
  for (const id of draft.parts.accessories ?? []) partIds.push({ slot: 'accessories', id });

  const [base, ...parts] = await Promise.all([
    draft.modelAssetId ? planModel(idOf(draft.modelAssetId)) : Promise.resolve(null),
    ...partIds.map((part) => planModel(idOf(part.id))),
  ]);
  const notices: string[] = [];

  let baseUrls = base?.urls ?? [];
  if (draft.modelAssetId && baseUrls.length === 0) {
    notices.push(
      draft.modelUrl
        ? `${named('base', base?.asset ?? null)} isn't available, so your saved model link is shown instead.`
        : `${named('base', base?.asset ?? null)} isn't available, so the default shape is shown.`,
    );
  }
  if (draft.modelUrl) baseUrls = [...baseUrls, draft.modelUrl];
  if (baseUrls.length === 0) {
    if (partIds.length > 0 && draft.modelAssetId) notices.push('Parts are hidden until you pick a body.');
    return {
      spec: { base: null, colors: draft.colors, morphs: draft.morphs },
      labels: { base: 'Body', parts: [] },
      notices,
    };
  }

  const refs: PartRef[] = [];
  const partLabels: string[] = [];
  parts.forEach((planned, i) => {
    const { slot } = partIds[i]!;
    const label = named(slot, planned?.asset ?? null);
    if (!planned || planned.urls.length === 0) {
      notices.push(`${label} isn't available, so it's left out.`);
      return;
    }
    const [url, ...alternates] = planned.urls as [string, ...string[]];
    const socket = socketFor(slot, planned.asset?.category ?? '', base?.asset?.metadata);
    refs.push({ url, alternates, ...(socket ? { socket } : {}) });
    partLabels.push(label);
  });
  const [url, ...alternates] = baseUrls as [string, ...string[]];
  return {
    spec: { base: { url, alternates }, parts: refs, colors: draft.colors, morphs: draft.morphs },
    labels: { base: named('base', base?.asset ?? null), parts: partLabels },
    notices,
  };
}

/**
 * Starts what showing this draft will need (asset details, URLs, each model's first file) without
 * waiting for the 3D engine, so the downloads run while its code loads and it starts. The scene's own
 * `planAvatar` and downloads then find them in the shared caches. Failures are left for the scene.
 */
export async function prefetchAvatar(draft: Draft, resolvedIds: ReadonlyMap<string, string>): Promise<void> {
  if (!draft.modelAssetId && !draft.modelUrl) return;
  try {
    const { spec } = await planAvatar(draft, resolvedIds);
    const urls = [spec.base?.url, ...(spec.parts ?? []).map((part) => part.url)];
    await Promise.all(urls.map((url) => (url ? resourceLoader.get(url).catch(() => {}) : undefined)));
  } catch {
    // The scene plans again and reports what fails.
  }
}

/** The notice for one step down the chain while loading (second part of the fallback chain). */
export function fallbackNotice(fallback: ModelFallback, labels: PlannedAvatar['labels']): string {
  const label = fallback.model === 'base' ? labels.base : (labels.parts[fallback.model] ?? 'A part');
  if (fallback.nextUrl) return `${label} didn't load from its first copy; trying another.`;
  if (fallback.model === 'base') return `${label} couldn't be loaded, so the default shape is shown.`;
  return `${label} couldn't be loaded, so it's left out.`;
}
