import { QUALITY_PRESETS } from '@avatar/asset-core';
import {
  type CreateExportInput,
  type Export,
  type ExportFormatList,
  type ExportHealth,
  type ExportList,
  exportErrorMessages,
  exportFormatDescriptions,
  exportFormats,
  exportQualities,
} from '@avatar/contracts';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import * as avatars from '../avatars/avatars.service.ts';
import * as rateLimits from '../rate-limit/rate-limit.repository.ts';
import type { RenderHost } from '../render/render.host.ts';
import { converterAvailable, converterFor } from './converters.ts';
import { ExportAborted, toExportFailure } from './export-failure.ts';
import { assertPoseExists } from './export-pose.ts';
import { toExport } from './exports.mapper.ts';
import * as repo from './exports.repository.ts';
import { finishFailed, runExport } from './run-export.ts';

export interface ExportDeps {
  config: Config;
  db: Db;
  storage: AssetStorage;
  jobs: JobQueue;
  logger: Logger;
  render?: RenderHost;
}

/** What a request carries beyond its input: who, which request, and a way to notice the client leaving. */
export interface RequestScope {
  userId: string;
  requestId: string | null;
  /** Calls back once if the client goes away before the answer is sent. */
  onClientGone: (listener: () => void) => () => void;
}

export const exportNotFound = () => new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'No export with this id');

const HANDED_OVER =
  'This export is taking longer than usual, so it continues in the background. Follow it by its id; the file will be ready shortly.';

function assertAvailable(deps: Pick<ExportDeps, 'render'>, format: CreateExportInput['format']) {
  if (!converterAvailable(format, deps)) {
    throw new AppError(
      'UNPROCESSABLE_CONTENT',
      'VALIDATION_FAILED',
      // Also for PNG/JPG where this process has no working render service (no Chromium).
      `Export to ${format.toUpperCase()} is not available yet. Choose GLB for now.`,
      { details: { format, available: exportFormats.filter((f) => converterAvailable(f, deps)) } },
    );
  }
}

function per(windowSeconds: number): string {
  if (windowSeconds === 3600) return 'per hour';
  if (windowSeconds % 3600 === 0) return `every ${windowSeconds / 3600} hours`;
  if (windowSeconds % 60 === 0) return `every ${windowSeconds / 60} minutes`;
  return `every ${windowSeconds} seconds`;
}

/** Counted in PostgreSQL, so every API process sees the same window. */
async function enforceRateLimit(deps: ExportDeps, userId: string): Promise<void> {
  const limit = deps.config.EXPORT_RATE_LIMIT;
  const windowSeconds = deps.config.EXPORT_RATE_WINDOW_SECONDS;
  const window = await rateLimits.hit(deps.db, `export:${userId}`, windowSeconds);
  if (window.count <= limit) return;
  const seconds = Math.max(1, Math.ceil((window.resetsAt.getTime() - Date.now()) / 1000));
  const wait = seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  throw new AppError(
    'TOO_MANY_REQUESTS',
    'RATE_LIMITED',
    `You can export ${limit} times ${per(windowSeconds)}. Please try again in ${wait}.`,
    { headers: { 'retry-after': String(seconds) } },
  );
}

/** `POST /api/v1/avatar/export`. */
export async function create(
  deps: ExportDeps,
  scope: RequestScope,
  input: CreateExportInput,
): Promise<Export> {
  assertAvailable(deps, input.format);
  // Storage down: refuse before anything is counted, inserted or queued (503 + Retry-After, issue 10).
  await deps.storage.ping();
  if (input.pose) assertPoseExists(await avatars.loadForExport(deps, scope.userId), input.pose);
  await enforceRateLimit(deps, scope.userId);
  const values = {
    user_id: scope.userId,
    format: input.format,
    quality: input.quality,
    request_id: scope.requestId,
    retentionDays: deps.config.EXPORT_RETENTION_DAYS,
    options: { camera: input.camera, background: input.background, pose: input.pose },
  };
  if (input.async) {
    const row = await deps.db.transaction().execute(async (trx) => {
      const inserted = await repo.insertExport(trx, { ...values, mode: 'async', status: 'pending' });
      await deps.jobs.send('export.run', { exportId: inserted.id }, { trx });
      return inserted;
    });
    return toExport(deps.storage, row);
  }
  const row = await repo.insertExport(deps.db, { ...values, mode: 'sync', status: 'processing' });
  return runSync(deps, scope, row.id);
}

/**
 * Runs the export inside the request. Past the time budget it is handed to the queue (the answer says
 * so, with its id); if the client leaves first it is cancelled, and whatever it wrote is removed.
 */
async function runSync(deps: ExportDeps, scope: RequestScope, id: string): Promise<Export> {
  const controller = new AbortController();
  const stopListening = scope.onClientGone(() => controller.abort(new ExportAborted('disconnected')));
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'budget'>((resolve) => {
    timer = setTimeout(() => resolve('budget'), deps.config.EXPORT_SYNC_BUDGET_MS);
  });
  const run = runExport(deps, id, { signal: controller.signal });
  try {
    const first = await Promise.race([run, budget]);
    if (first === 'budget') {
      controller.abort(new ExportAborted('budget'));
      run.catch(() => {}); // it stops at its next checkpoint; the job does the work now
      return await handOver(deps, id);
    }
    const row = first.row ?? (await repo.findExport(deps.db, id));
    if (!row) throw exportNotFound();
    return toExport(deps.storage, row);
  } catch (error) {
    const failure = toExportFailure(error);
    await finishFailed(deps, id, failure);
    const [code, reason] = publicFailure(failure.code);
    throw new AppError(code, reason, exportErrorMessages[failure.code], {
      details: { exportId: id, errorCode: failure.code },
      ...(failure.code === 'STORAGE_UNAVAILABLE' ? { headers: { 'retry-after': '30' } } : {}),
    });
  } finally {
    clearTimeout(timer);
    stopListening();
  }
}

function publicFailure(code: keyof typeof exportErrorMessages) {
  switch (code) {
    case 'STORAGE_UNAVAILABLE':
      return ['SERVICE_UNAVAILABLE', 'STORAGE_UNAVAILABLE'] as const;
    case 'COMPOSE_FAILED':
      return ['UNPROCESSABLE_CONTENT', 'INVALID_ASSET'] as const;
    case 'CANCELLED':
      return ['CONFLICT', 'INVALID_STATE'] as const;
    default:
      return ['INTERNAL_SERVER_ERROR', 'INTERNAL'] as const;
  }
}

async function handOver(deps: ExportDeps, id: string): Promise<Export> {
  const moved = await deps.db.transaction().execute(async (trx) => {
    if (!(await repo.handOverToQueue(trx, id))) return false;
    await deps.jobs.send('export.run', { exportId: id }, { trx });
    return true;
  });
  const row = await repo.findExport(deps.db, id);
  if (!row) throw exportNotFound();
  if (moved) deps.logger.info({ exportId: id }, 'sync export past its budget, handed to the queue');
  return toExport(deps.storage, row, moved ? HANDED_OVER : null);
}

/** `GET /api/v1/avatar/export/status?id=`: the owner's export; anyone else's id is "not found". */
export async function status(
  deps: Pick<ExportDeps, 'db' | 'storage'>,
  userId: string,
  id: string,
): Promise<Export> {
  const row = await repo.findUserExport(deps.db, userId, id);
  if (!row) throw exportNotFound();
  return toExport(deps.storage, row);
}

/** `GET /api/v1/avatar/exports`: the caller's latest exports, newest first, with fresh download URLs. */
export async function list(
  deps: Pick<ExportDeps, 'db' | 'storage'>,
  userId: string,
  limit: number,
): Promise<ExportList> {
  const rows = await repo.listUserExports(deps.db, userId, limit);
  return { items: await Promise.all(rows.map((row) => toExport(deps.storage, row))) };
}

export function formats(config: Config, deps: Pick<ExportDeps, 'render'> = {}): ExportFormatList {
  return {
    formats: exportFormats.map((format) => {
      const converter = converterFor(format);
      return {
        format,
        description: exportFormatDescriptions[format],
        available: converterAvailable(format, deps),
        extension: converter?.extension ?? format,
      };
    }),
    qualities: exportQualities.map((quality) => ({ quality, ...QUALITY_PRESETS[quality] })),
    rateLimit: { limit: config.EXPORT_RATE_LIMIT, windowSeconds: config.EXPORT_RATE_WINDOW_SECONDS },
  };
}

const DEGRADED_BELOW = 0.8;

async function reachable(check: () => Promise<unknown>, ms = 2_000): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), ms);
      }),
    ]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /api/v1/avatar/export/health`: reachability, and the success rate of the last hour. */
function renderCheck(render: RenderHost | undefined): NonNullable<ExportHealth['checks']['render']> {
  if (!render) return 'disabled';
  const { state } = render.status();
  return state === 'ready' ? 'up' : state === 'unavailable' || state === 'closed' ? 'down' : state;
}

export async function health(deps: Pick<ExportDeps, 'db' | 'storage' | 'render'>): Promise<ExportHealth> {
  const [database, storage] = await Promise.all([
    reachable(() => sql`select 1`.execute(deps.db)),
    reachable(() => deps.storage.ping()),
  ]);
  const counts = database === 'up' ? await repo.lastHourCounts(deps.db).catch(() => null) : null;
  const finished = counts ? counts.completed + counts.failed : 0;
  const successRate = counts && finished > 0 ? counts.completed / finished : null;
  const down = database === 'down' || storage === 'down' || counts === null;
  const render = renderCheck(deps.render);
  return {
    status: down
      ? 'unhealthy'
      : (successRate !== null && successRate < DEGRADED_BELOW) || render === 'down'
        ? 'degraded'
        : 'healthy',
    checks: { database: counts === null ? 'down' : database, storage, render },
    lastHour: { completed: counts?.completed ?? 0, failed: counts?.failed ?? 0, successRate },
    checkedAt: new Date().toISOString(),
  };
}
