import { type Export, type ExportFormat, type ExportQuality, exportErrorMessages } from '@avatar/contracts';
import type { ExportRow } from '../../db/tables.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import { isExportErrorCode } from './exports.repository.ts';

/** The one place an export row becomes its API shape: no storage key, no job id, a fixed error message. */
export async function toExport(
  storage: AssetStorage,
  row: ExportRow,
  notice: string | null = null,
): Promise<Export> {
  const code = isExportErrorCode(row.error_code)
    ? row.error_code
    : row.status === 'failed'
      ? 'INTERNAL'
      : null;
  return {
    id: row.id,
    format: row.format as ExportFormat,
    quality: row.quality as ExportQuality,
    mode: row.mode,
    status: row.status,
    downloadUrl: row.status === 'completed' && row.storage_key ? await storage.url(row.storage_key) : null,
    bytes: row.bytes === null ? null : Number(row.bytes),
    durationMs: row.duration_ms,
    error: code ? { code, message: exportErrorMessages[code] } : null,
    requestId: row.request_id,
    notice,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    expiresAt: row.expires_at.toISOString(),
  };
}
