import type { Asset, AssetMetadata, AssetSummary, AssetType } from '@avatar/contracts';
import type { AssetRow } from '../../db/tables.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import type { AssetSummaryRow } from './catalog.repository.ts';

type SummarySource = Omit<AssetSummaryRow, 'cursor_at'>;

async function thumbnailUrl(storage: AssetStorage, key: string | null): Promise<string | null> {
  return key ? storage.url(key, { immutable: true }) : null;
}

/** The one place a catalog row becomes an API shape (storage keys stay inside the server). */
export async function toAssetSummary(storage: AssetStorage, row: SummarySource): Promise<AssetSummary> {
  return {
    id: row.id,
    type: row.asset_type as AssetType,
    name: row.name,
    key: row.key,
    category: row.category,
    tags: row.tags,
    version: row.version,
    status: row.status,
    fileSize: Number(row.file_size),
    mimeType: row.mime_type,
    sha256: row.sha256,
    thumbnailUrl: await thumbnailUrl(storage, row.thumbnail_key),
    statusReason: row.status_reason,
    replacedBy: row.replaced_by,
    uploadedBy: row.uploaded_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    triangles: row.triangles,
  };
}

export async function toAsset(storage: AssetStorage, row: AssetRow): Promise<Asset> {
  const metadata = (row.metadata as AssetMetadata | null) ?? null;
  const { triangles: _, ...summary } = await toAssetSummary(storage, {
    ...row,
    triangles: metadata?.geometry.triangles ?? null,
  });
  return { ...summary, metadata };
}
