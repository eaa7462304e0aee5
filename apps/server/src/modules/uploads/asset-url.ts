import type { AssetUrl, AssetUrlInput, AssetVariantsSummary } from '@avatar/contracts';
import type { AssetRow } from '../../db/tables.ts';
import { AppError } from '../../http/errors.ts';
import { type CatalogDeps, type Viewer, visibleRow } from '../catalog/catalog.service.ts';
import { variantStorageKey } from './variant-keys.ts';

interface StoredMetadata {
  geometry?: { triangles?: number };
  variants?: Partial<AssetVariantsSummary>;
}

/**
 * `GET /resources/assets/{id}/url?variant=`: a URL the browser loads the file from directly (presigned or
 * CDN for S3, a signed `/files` link for local storage). Variants exist once processing has finished; the
 * original always does. Players see active and deprecated assets, admins all; a missing or hidden id is 404.
 */
export async function assetUrl(deps: CatalogDeps, viewer: Viewer, input: AssetUrlInput): Promise<AssetUrl> {
  const row = await visibleRow(deps, viewer, input.id);
  const metadata = (row.metadata ?? {}) as StoredMetadata;
  const base = { id: row.id, variant: input.variant, contentType: 'model/gltf-binary' };
  if (input.variant === 'original') {
    return {
      ...base,
      url: await deps.storage.url(row.storage_key),
      bytes: Number(row.file_size),
      triangles: metadata.geometry?.triangles ?? null,
    };
  }
  const summary = metadata.variants?.[input.variant];
  if (!summary) throw notReady(row, input.variant);
  return {
    ...base,
    url: await deps.storage.url(variantStorageKey(row.storage_key, input.variant)),
    bytes: summary.bytes,
    triangles: summary.triangles,
  };
}

function notReady(row: AssetRow, variant: string): AppError {
  const message =
    row.status === 'processing'
      ? `The ${variant} variant is still being made; the original is available now`
      : row.status === 'failed'
        ? `Processing failed, so there is no ${variant} variant: ${row.status_reason ?? 'no reason recorded'}`
        : `This asset has no ${variant} variant; the original is available`;
  return new AppError('CONFLICT', 'INVALID_STATE', message);
}
