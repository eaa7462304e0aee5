import { type ExportFormat, ExportOptions, type ExportQuality } from '@avatar/contracts';
import type { Logger } from 'pino';
import type { Db } from '../../db/database.ts';
import type { ExportRow } from '../../db/tables.ts';
import { exportKey } from '../../storage/keys.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import * as avatars from '../avatars/avatars.service.ts';
import type { RenderHost } from '../render/render.host.ts';
import { composeExport } from './compose-export.ts';
import { converterFor } from './converters.ts';
import { ExportAborted, ExportFailure, throwIfAborted } from './export-failure.ts';
import { recordExportFinished } from './export-metrics.ts';
import * as repo from './exports.repository.ts';

export interface RunDeps {
  db: Db;
  storage: AssetStorage;
  logger: Logger;
  /** Draws PNG and JPG exports; absent where this process renders nothing. */
  render?: RenderHost;
}

/**
 * Does one export, whoever asked (a sync request or a job): claims the row, composes and converts,
 * stores the file under its fixed key and marks the row completed, with the avatar's glb_url for a GLB,
 * in one transaction. `skipped` when the row is finished already or gone. Throws on failure and leaves
 * the row to the caller, who knows whether another attempt will come; no object is left behind.
 */
export async function runExport(
  deps: RunDeps,
  exportId: string,
  options: { signal?: AbortSignal } = {},
): Promise<{ outcome: 'completed' | 'skipped'; row: ExportRow | null }> {
  const { signal } = options;
  const claimed = await repo.claimExport(deps.db, exportId);
  if (!claimed) return { outcome: 'skipped', row: null };
  const log = deps.logger.child({ exportId, format: claimed.format, quality: claimed.quality });
  const format = claimed.format as ExportFormat;
  const quality = claimed.quality as ExportQuality;
  const converter = converterFor(format);
  if (!converter) throw new ExportFailure('INTERNAL', false); // refused at the API; a row from an older release

  const started = performance.now();
  const avatar = await avatars.loadForExport(deps, claimed.user_id);
  // A row written before options existed holds `{}`.
  const asked = ExportOptions.safeParse(claimed.options).data ?? {};
  const { bytes, triangles } = await composeExport(deps, {
    avatar,
    format,
    quality,
    converter,
    signal,
    options: asked,
  });
  throwIfAborted(signal);

  const key = exportKey(claimed.user_id, claimed.id, converter.extension);
  const removeObject = () =>
    deps.storage.delete(key).catch((err) => log.error({ err, key }, 'could not remove an export object'));
  try {
    await deps.storage.put(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      contentType: converter.contentType,
      size: bytes.byteLength,
      cacheControl: 'private, max-age=3600',
    });
  } catch (error) {
    await removeObject(); // a put that failed half-way may have left bytes behind
    throw new ExportFailure('STORAGE_UNAVAILABLE', true, { cause: error });
  }

  let completed: ExportRow | undefined;
  try {
    throwIfAborted(signal);
    const durationMs = Math.round(performance.now() - started);
    const url = format === 'glb' ? await deps.storage.url(key) : null;
    completed = await deps.db.transaction().execute(async (trx) => {
      const row = await repo.completeExport(trx, claimed.id, {
        storageKey: key,
        bytes: bytes.byteLength,
        durationMs,
        triangles,
      });
      if (row && url)
        await avatars.recordGlb(trx, claimed.user_id, { url, key, generatedAt: row.completed_at! });
      return row;
    });
  } catch (error) {
    // Past its budget, a sync export's job now owns the key and may be writing it: leave it alone.
    if (!(error instanceof ExportAborted && error.reason === 'budget')) await removeObject();
    throw error;
  }
  if (!completed) {
    // Another attempt finished it, or it was failed meanwhile. The key is shared by every attempt, so
    // the object is removed only when no completed row owns it.
    const current = await repo.findExport(deps.db, claimed.id);
    if (current?.status === 'failed') await removeObject();
    log.info({ status: current?.status }, 'export already finished elsewhere');
    return { outcome: 'skipped', row: current ?? null };
  }
  const durationMs = completed.duration_ms ?? 0;
  recordExportFinished(completed, { status: 'completed', durationMs, bytes: bytes.byteLength });
  log.info(
    { userId: completed.user_id, mode: completed.mode, bytes: bytes.byteLength, durationMs, triangles },
    'export completed',
  );
  return { outcome: 'completed', row: completed };
}

/**
 * Marks an export failed for good (if it is not finished already) and removes any object its attempts
 * wrote; counted and logged with the cause, which the user never sees.
 */
export async function finishFailed(
  deps: RunDeps,
  exportId: string,
  failure: ExportFailure,
): Promise<ExportRow | null> {
  const row = await repo.failExport(deps.db, exportId, failure.code, null);
  if (!row) return null;
  const converter = converterFor(row.format as ExportFormat);
  if (converter)
    await deps.storage.delete(exportKey(row.user_id, row.id, converter.extension)).catch(() => {});
  recordExportFinished(row, { status: 'failed' });
  const level = failure.code === 'CANCELLED' ? 'info' : 'error';
  deps.logger[level](
    {
      exportId,
      userId: row.user_id,
      format: row.format,
      quality: row.quality,
      code: failure.code,
      err: failure.cause,
    },
    'export failed',
  );
  return row;
}
