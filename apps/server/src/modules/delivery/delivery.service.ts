import { createHash, randomBytes } from 'node:crypto';
import type { DeliveryInfo, SignDeliveryUrlInput, SignedDeliveryUrl } from '@avatar/contracts';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import type { ChangeFeed } from '../../db/change-feed.ts';
import type { Db } from '../../db/database.ts';
import { cachedRead } from '../../db/read-cache.ts';
import { AppError } from '../../http/errors.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import { type AvatarForExport, loadForExport } from '../avatars/avatars.service.ts';
import { composeExport } from '../exports/compose-export.ts';
import { ExportFailure } from '../exports/export-failure.ts';
import { assertTextureFormatAvailable, type DeliveryStats, deliveryConverter } from './build-delivery.ts';
import * as repo from './delivery.repository.ts';
import { recordDeliveryBuild } from './delivery-metrics.ts';
import { type DeliveryParams, normalizeParams, parseDeliveryQuery, toQuery } from './delivery-params.ts';
import { signDelivery, verifyDelivery } from './delivery-signing.ts';

export interface DeliveryDeps {
  config: Config;
  db: Db;
  storage: AssetStorage;
  logger: Logger;
  changes?: ChangeFeed;
}

/** Bumped when the build changes what it makes for the same input, so old cache entries are not reused. */
const PIPELINE_VERSION = 'delivery/1';
const LEASE_MS = 120_000;
const WAIT_MS = 90_000;
const POLL_MS = 100;
/** The URL is stable while its content follows the config: caches keep it briefly and revalidate (ETag). */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=30';
export const PRIVATE_CACHE_CONTROL = 'private, max-age=60';

const newPublicId = () => randomBytes(16).toString('base64url');
const PUBLIC_ID = /^[A-Za-z0-9_-]{22}$/;

function notFound(): AppError {
  return new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'No avatar is published at this URL');
}

function deliveryUrl(config: Config, publicId: string, query?: URLSearchParams): string {
  const q = query?.toString();
  return `${config.PUBLIC_URL}/avatars/${publicId}.glb${q ? `?${q}` : ''}`;
}

function toInfo(config: Config, row: repo.DeliveryIdRow): DeliveryInfo {
  return {
    publicId: row.public_id,
    url: deliveryUrl(config, row.public_id),
    private: row.private,
    rotatedAt: row.rotated_at.toISOString(),
  };
}

/** The owner's delivery URL, made on first ask. */
export async function getInfo(deps: DeliveryDeps, userId: string): Promise<DeliveryInfo> {
  return toInfo(deps.config, await repo.ensureForUser(deps.db, userId, newPublicId()));
}

/** A new public id: the old URL (and every signed URL made for it) answers 404 from now on. */
export async function rotate(deps: DeliveryDeps, userId: string): Promise<DeliveryInfo> {
  await repo.ensureForUser(deps.db, userId, newPublicId());
  return toInfo(deps.config, await repo.rotate(deps.db, userId, newPublicId()));
}

export async function setPrivate(deps: DeliveryDeps, userId: string, value: boolean): Promise<DeliveryInfo> {
  await repo.ensureForUser(deps.db, userId, newPublicId());
  return toInfo(deps.config, await repo.setPrivate(deps.db, userId, value));
}

/** A URL that works while the avatar is private, until it expires or the id is rotated. */
export async function signUrl(
  deps: DeliveryDeps,
  userId: string,
  input: Required<SignDeliveryUrlInput>,
): Promise<SignedDeliveryUrl> {
  const params = parseDeliveryQuery(input.params);
  const row = await repo.ensureForUser(deps.db, userId, newPublicId());
  const exp = Math.floor(Date.now() / 1000) + input.expiresInSeconds;
  const query = toQuery(params);
  query.set('exp', String(exp));
  query.set('sig', signDelivery(deps.config.SESSION_SECRET, row.public_id, exp));
  return {
    url: deliveryUrl(deps.config, row.public_id, query),
    expiresAt: new Date(exp * 1000).toISOString(),
  };
}

export interface ReadyDelivery {
  storageKey: string;
  sha256: string;
  bytes: number;
  cacheControl: string;
  /** False when this request built it. */
  hit: boolean;
}

/**
 * `GET /avatars/{publicId}.glb`: checks the id and, for a private avatar, the signature; then answers the
 * cached GLB for the config's content and the parameters, building it first on a miss (once across
 * processes: the first to claim the cache row builds, the others wait for it).
 */
export async function deliver(
  deps: DeliveryDeps,
  publicId: string,
  query: Record<string, unknown>,
): Promise<ReadyDelivery> {
  const params = parseDeliveryQuery(query);
  assertTextureFormatAvailable(params);
  if (!PUBLIC_ID.test(publicId)) throw notFound();
  const normalized = normalizeParams(params);
  const owner = await findForRequest(deps, publicId, normalized);
  if (!owner) throw notFound();
  if (owner.private) {
    const check = verifyDelivery(deps.config.SESSION_SECRET, publicId, query.exp, query.sig);
    if (check !== 'valid') throw signatureError(check);
  }
  const cacheControl = owner.private ? PRIVATE_CACHE_CONTROL : PUBLIC_CACHE_CONTROL;
  if (owner.cache_key && owner.storage_key && owner.sha256 && owner.bytes !== null) {
    touch(deps, owner.cache_key);
    return {
      storageKey: owner.storage_key,
      sha256: owner.sha256,
      bytes: Number(owner.bytes),
      cacheControl,
      hit: true,
    };
  }

  // The full path: resolve the config, hash its content, find or build the entry, remember the way.
  const avatar = await loadForExport(deps, owner.user_id);
  const cacheKey = contentKey(avatar, normalized);
  const ready = await readyEntry(deps, {
    cacheKey,
    userId: owner.user_id,
    avatar,
    params,
    normalized,
    cacheControl,
  });
  await repo.rememberEntry(deps.db, {
    publicId,
    params: normalized,
    userId: owner.user_id,
    cacheKey,
    // Read before resolving: a config or catalog change meanwhile leaves this memo stale, never wrong.
    configUpdatedAt: owner.config_updated_at,
    generation: owner.generation,
  });
  return ready;
}

/** Hit-path reads per process, while the change feed vouches for them (no config, id or catalog change). */
const HIT_CACHE = { name: 'delivery-hits', channel: 'avatar_delivery', maxEntries: 10_000 } as const;

/**
 * `repo.findForRequest`, from memory when the same id and parameters led to a ready entry before and
 * nothing it depends on has changed since: a hit then costs no database round trip.
 */
function findForRequest(deps: DeliveryDeps, publicId: string, normalized: string) {
  return cachedRead(
    deps.changes,
    HIT_CACHE,
    `${publicId}\n${normalized}`,
    () => repo.findForRequest(deps.db, publicId, normalized),
    (row) => Boolean(row?.cache_key),
  );
}

const touched = new Map<string, number>();
/** `last_hit_at` for the sweep, written at most every ten minutes per entry and process. */
function touch(deps: DeliveryDeps, cacheKey: string): void {
  const now = Date.now();
  if ((touched.get(cacheKey) ?? 0) > now - 600_000) return;
  if (touched.size > 10_000) touched.clear();
  touched.set(cacheKey, now);
  void repo.touchEntry(deps.db, cacheKey).catch(() => {});
}

/** The ready entry for `cacheKey`, built here when nobody has (or is building) it. */
async function readyEntry(
  deps: DeliveryDeps,
  job: {
    cacheKey: string;
    userId: string;
    avatar: AvatarForExport;
    params: DeliveryParams;
    normalized: string;
    cacheControl: string;
  },
): Promise<ReadyDelivery> {
  const { cacheKey, cacheControl } = job;
  const deadline = Date.now() + WAIT_MS;
  for (let first = true; ; first = false) {
    const entry = await repo.findEntry(deps.db, cacheKey);
    if (entry?.status === 'ready') {
      // A hit for this request: whether it found the entry ready or waited for another's build.
      const ready = toReady(entry, cacheControl, true);
      if (ready) return ready;
    }
    if (entry?.status === 'failed' && !first) throw buildError(entry.error_code);
    const claim = { cacheKey, userId: job.userId, params: job.normalized, leaseMs: LEASE_MS };
    if (entry?.status !== 'building' || isLeaseOver(entry)) {
      if (await repo.claimBuild(deps.db, claim)) return build(deps, job);
    }
    if (Date.now() > deadline) {
      throw new AppError('SERVICE_UNAVAILABLE', 'INTERNAL', 'The avatar is still being built; try again', {
        headers: { 'retry-after': '5' },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function isLeaseOver(entry: repo.CacheEntryRow): boolean {
  return entry.lease_until !== null && entry.lease_until.getTime() < Date.now();
}

function toReady(entry: repo.CacheEntryRow, cacheControl: string, hit: boolean): ReadyDelivery | null {
  if (!entry.storage_key || !entry.sha256 || entry.bytes === null) return null;
  return {
    storageKey: entry.storage_key,
    sha256: entry.sha256,
    bytes: Number(entry.bytes),
    cacheControl,
    hit,
  };
}

/**
 * The cache key: what the avatar is made of (the resolved asset versions, by id and content hash,
 * colours and morph weights) and the normalized parameters. A config change, or a deprecated part now
 * resolving to its replacement, gives a new key.
 */
export function contentKey(avatar: AvatarForExport, normalizedParams: string): string {
  const sorted = (record: Record<string, unknown>) =>
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k]]);
  const content = {
    v: PIPELINE_VERSION,
    model: avatar.model ? [avatar.model.id, avatar.model.sha256] : null,
    parts: avatar.parts.map((p) => [p.slot, p.row.id, p.row.sha256]),
    colors: sorted(avatar.colors),
    morphs: sorted(avatar.morphs),
    params: normalizedParams,
  };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

async function build(
  deps: DeliveryDeps,
  job: {
    cacheKey: string;
    userId: string;
    avatar: AvatarForExport;
    params: DeliveryParams;
    cacheControl: string;
  },
): Promise<ReadyDelivery> {
  const started = performance.now();
  const stats: DeliveryStats = { triangles: 0, drawCalls: 0 };
  try {
    const composed = await composeExport(
      { storage: deps.storage, logger: deps.logger },
      {
        avatar: job.avatar,
        format: 'glb',
        quality: job.params.quality,
        converter: deliveryConverter(job.params, stats),
      },
    );
    const storageKey = `delivery/${job.userId}/${job.cacheKey}.glb`;
    const put = await deps.storage.put(storageKey, Buffer.from(composed.bytes), {
      contentType: 'model/gltf-binary',
      cacheControl: PUBLIC_CACHE_CONTROL,
    });
    const buildMs = Math.round(performance.now() - started);
    await repo.finishBuild(deps.db, job.cacheKey, {
      storageKey,
      bytes: put.size,
      sha256: put.sha256,
      triangles: stats.triangles,
      drawCalls: stats.drawCalls,
      buildMs,
    });
    recordDeliveryBuild(buildMs);
    return { storageKey, sha256: put.sha256, bytes: put.size, cacheControl: job.cacheControl, hit: false };
  } catch (error) {
    const code = errorCode(error);
    await repo.failBuild(deps.db, job.cacheKey, code).catch(() => {});
    if (error instanceof AppError) throw error;
    deps.logger.error({ err: error, cacheKey: job.cacheKey }, 'avatar delivery build failed');
    throw buildError(code);
  }
}

function errorCode(error: unknown): string {
  if (error instanceof AppError && error.message.startsWith('pose names')) return 'POSE_UNKNOWN';
  if (error instanceof ExportFailure) return error.code;
  if ((error as { code?: unknown }).code === 'UNAVAILABLE') return 'STORAGE_UNAVAILABLE';
  return 'BUILD_FAILED';
}

/** What a waiter (or the builder) answers for a failed build, from its stored code alone. */
function buildError(code: string | null): AppError {
  if (code === 'POSE_UNKNOWN') {
    return new AppError(
      'UNPROCESSABLE_CONTENT',
      'VALIDATION_FAILED',
      'pose names an animation this avatar does not have',
    );
  }
  if (code === 'STORAGE_UNAVAILABLE') {
    return new AppError(
      'SERVICE_UNAVAILABLE',
      'STORAGE_UNAVAILABLE',
      'File storage is unavailable; try again',
      {
        headers: { 'retry-after': '5' },
      },
    );
  }
  return new AppError('INTERNAL_SERVER_ERROR', 'INTERNAL', 'The avatar could not be built; try again later');
}

function signatureError(check: 'missing' | 'invalid' | 'expired'): AppError {
  const message =
    check === 'expired'
      ? 'This avatar link has expired; ask its owner for a new one'
      : check === 'missing'
        ? 'This avatar is private: its URL needs a signature from its owner'
        : 'This avatar link is not valid';
  return new AppError('FORBIDDEN', 'VALIDATION_FAILED', message);
}
