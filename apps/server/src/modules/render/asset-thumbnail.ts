import type { AssetMetadata } from '@avatar/contracts';
import type { Logger } from 'pino';
import type { AssetRow } from '../../db/tables.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import type { RenderHost } from './render.host.ts';
import { thumbnailRequest } from './render.service.ts';
import { isRenderError } from './render.types.ts';

const ASSET_KEY = /^(assets\/[^/]+\/[^/]+\/[^/]+\/[^/]+)\.glb$/;

/**
 * Where an asset's thumbnail goes: beside the original, as `{key}.thumb.png` (see `assetThumbnailKey`),
 * derived from where the original is stored (an admin may change the category later).
 */
export function thumbnailStorageKey(storageKey: string): string | null {
  const match = ASSET_KEY.exec(storageKey);
  return match ? `${match[1]}.thumb.png` : null;
}

/** Nothing to draw: an animation library or a texture pack has no triangles, lines or points. */
export function hasNothingToDraw(metadata: unknown): boolean {
  const geometry = (metadata as Partial<AssetMetadata> | null)?.geometry;
  if (!geometry) return false;
  return geometry.triangles + geometry.lines + geometry.points === 0;
}

export type ThumbnailOutcome =
  | { status: 'stored'; key: string; ms: number }
  | { status: 'skipped'; reason: 'nothing to draw' | 'no render service' }
  | { status: 'failed'; code: string };

/**
 * Renders the asset's 256x256 PNG thumbnail (three-quarter view, transparent) and stores it beside the
 * asset. Never throws for a render failure: a thumbnail is not worth failing an upload for (the asset
 * is listed without one and the reason is logged); a storage failure does throw (the job retries).
 */
export async function renderAssetThumbnail(
  deps: { storage: AssetStorage; logger: Logger; render?: RenderHost },
  row: Pick<AssetRow, 'id' | 'storage_key' | 'sha256' | 'metadata'>,
): Promise<ThumbnailOutcome> {
  const key = thumbnailStorageKey(row.storage_key);
  if (!deps.render || !key) return { status: 'skipped', reason: 'no render service' };
  if (hasNothingToDraw(row.metadata)) return { status: 'skipped', reason: 'nothing to draw' };
  const log = deps.logger.child({ assetId: row.id });
  const started = performance.now();
  let image: Awaited<ReturnType<RenderHost['renderImage']>>;
  try {
    const model = await deps.render.storedModel({ storageKey: row.storage_key, sha256: row.sha256 });
    image = await deps.render.renderImage(thumbnailRequest(model));
  } catch (error) {
    const code = isRenderError(error) ? error.code : 'RENDER_FAILED';
    if (code === 'EMPTY_MODEL') return { status: 'skipped', reason: 'nothing to draw' };
    log.warn({ err: error, code }, 'asset thumbnail could not be rendered; the asset is listed without one');
    return { status: 'failed', code };
  }
  await deps.storage.put(key, image.data, {
    contentType: 'image/png',
    size: image.data.length,
    cacheControl: 'public, max-age=31536000, immutable',
  });
  return { status: 'stored', key, ms: Math.round(performance.now() - started) };
}
