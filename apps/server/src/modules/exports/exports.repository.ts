import {
  type ExportErrorCode,
  type ExportFormat,
  type ExportOptions,
  type ExportQuality,
  exportErrorCodes,
} from '@avatar/contracts';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database, ExportRow } from '../../db/tables.ts';

type Conn = Db | Transaction<Database>;

export const exportColumns = [
  'id',
  'user_id',
  'format',
  'quality',
  'mode',
  'status',
  'storage_key',
  'bytes',
  'duration_ms',
  'triangles',
  'error_code',
  'request_id',
  'options',
  'attempts',
  'created_at',
  'started_at',
  'completed_at',
  'expires_at',
] as const satisfies ReadonlyArray<keyof ExportRow>;

export function insertExport(
  db: Conn,
  values: {
    user_id: string;
    format: ExportFormat;
    quality: ExportQuality;
    mode: 'sync' | 'async';
    status: 'pending' | 'processing';
    request_id: string | null;
    retentionDays: number;
    /** Camera, background, pose: `ExportOptions`. */
    options?: ExportOptions;
  },
): Promise<ExportRow> {
  const { retentionDays, options, ...row } = values;
  return db
    .insertInto('exports')
    .values({
      ...row,
      options: JSON.stringify(options ?? {}),
      started_at: row.status === 'processing' ? sql<Date>`now()` : null,
      expires_at: sql<Date>`now() + make_interval(days => ${retentionDays})`,
    })
    .returning(exportColumns)
    .executeTakeFirstOrThrow();
}

export function findExport(db: Conn, id: string): Promise<ExportRow | undefined> {
  return db.selectFrom('exports').select(exportColumns).where('id', '=', id).executeTakeFirst();
}

/** Only the owner's: another user's id finds nothing, exactly like a missing one. */
export function findUserExport(db: Conn, userId: string, id: string): Promise<ExportRow | undefined> {
  return db
    .selectFrom('exports')
    .select(exportColumns)
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** The owner's latest exports, newest first (index exports_user_created_idx). */
export function listUserExports(db: Conn, userId: string, limit: number): Promise<ExportRow[]> {
  return db
    .selectFrom('exports')
    .select(exportColumns)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Takes an export to work on. A `processing` row is taken again on purpose: it is what a crashed worker
 * leaves, and the queue only redelivers a job once that worker's lease has expired. Finished rows are
 * never taken, so a job delivered twice does nothing the second time.
 */
export function claimExport(db: Conn, id: string): Promise<ExportRow | undefined> {
  return db
    .updateTable('exports')
    .set({
      status: 'processing',
      attempts: sql<number>`attempts + 1`,
      started_at: sql<Date>`coalesce(started_at, now())`,
    })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'processing'])
    .returning(exportColumns)
    .executeTakeFirst();
}

/** The one transition to `completed`: conditional, so it happens once whatever races it. */
export function completeExport(
  trx: Transaction<Database>,
  id: string,
  result: { storageKey: string; bytes: number; durationMs: number; triangles: number | null },
): Promise<ExportRow | undefined> {
  return trx
    .updateTable('exports')
    .set({
      status: 'completed',
      storage_key: result.storageKey,
      bytes: result.bytes,
      duration_ms: result.durationMs,
      triangles: result.triangles,
      error_code: null,
      completed_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .returning(exportColumns)
    .executeTakeFirst();
}

export function failExport(
  db: Conn,
  id: string,
  code: ExportErrorCode,
  durationMs: number | null,
): Promise<ExportRow | undefined> {
  return db
    .updateTable('exports')
    .set({ status: 'failed', error_code: code, duration_ms: durationMs, completed_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'processing'])
    .returning(exportColumns)
    .executeTakeFirst();
}

/** Back to `pending` between attempts, so the owner sees it waiting rather than stuck. */
export async function requeueExport(db: Conn, id: string): Promise<void> {
  await db
    .updateTable('exports')
    .set({ status: 'pending' })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .execute();
}

/** A sync export past its time budget becomes an async one; false when it finished first. */
export async function handOverToQueue(trx: Transaction<Database>, id: string): Promise<boolean> {
  const row = await trx
    .updateTable('exports')
    .set({ mode: 'async', status: 'pending' })
    .where('id', '=', id)
    .where('mode', '=', 'sync')
    .where('status', '=', 'processing')
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Exports that finished in the last hour; cancelled ones say nothing about the pipeline's health. */
export async function lastHourCounts(db: Db): Promise<{ completed: number; failed: number }> {
  const row = await db
    .selectFrom('exports')
    .select([
      sql<number>`count(*) filter (where status = 'completed')::int`.as('completed'),
      sql<number>`count(*) filter (where status = 'failed')::int`.as('failed'),
    ])
    .where('completed_at', '>', sql<Date>`now() - interval '1 hour'`)
    .where((eb) => eb.or([eb('error_code', 'is', null), eb('error_code', '<>', 'CANCELLED')]))
    .executeTakeFirstOrThrow();
  return row;
}

export function isExportErrorCode(code: string | null): code is ExportErrorCode {
  return code !== null && (exportErrorCodes as readonly string[]).includes(code);
}
