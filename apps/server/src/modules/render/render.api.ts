import type { RenderInput, RenderOutput, RenderScene } from '@avatar/contracts';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import * as avatars from '../avatars/avatars.service.ts';
import { findAsset } from '../catalog/catalog.repository.ts';
import * as rateLimits from '../rate-limit/rate-limit.repository.ts';
import type { RenderHost } from './render.host.ts';
import { RenderError } from './render.types.ts';

export interface RenderApiDeps {
  config: Config;
  db: Db;
  storage: AssetStorage;
  logger: Logger;
  render?: RenderHost;
}

const WINDOW_SECONDS = 60;

/** Counted in PostgreSQL (every API process shares the window), cache hits included. */
async function enforceRateLimit(deps: RenderApiDeps, userId: string): Promise<void> {
  const limit = deps.config.RENDER_RATE_LIMIT_PER_MINUTE;
  const window = await rateLimits.hit(deps.db, `render:${userId}`, WINDOW_SECONDS);
  if (window.count <= limit) return;
  const seconds = Math.max(1, Math.ceil((window.resetsAt.getTime() - Date.now()) / 1000));
  throw new AppError(
    'TOO_MANY_REQUESTS',
    'RATE_LIMITED',
    `You can render ${limit} images per minute. Please try again in ${seconds} seconds.`,
    { headers: { 'retry-after': String(seconds) } },
  );
}

const assetNotFound = () => new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'No asset with this id');

/** The scene a subject draws: the caller's own avatar as the editor draws it, or one catalog asset. */
async function sceneOf(
  deps: RenderApiDeps,
  render: RenderHost,
  userId: string,
  subject: RenderInput['subject'],
): Promise<RenderScene> {
  const model = (row: { storage_key: string; sha256: string }) =>
    render.storedModel({ storageKey: row.storage_key, sha256: row.sha256 });
  if (subject.kind === 'asset') {
    const row = await findAsset(deps.db, subject.assetId);
    // Processing and failed assets are not in the catalog: "not found", like an unknown id.
    if (!row || (row.status !== 'active' && row.status !== 'deprecated')) throw assetNotFound();
    return { base: await model(row), parts: [], colors: {}, morphs: {} };
  }
  const avatar = await avatars.loadForExport(deps, userId);
  return {
    // No base model: the page draws the built-in fallback shape, as the editor does.
    base: avatar.model ? await model(avatar.model) : null,
    parts: await Promise.all(avatar.parts.map((part) => model(part.row))),
    colors: avatar.colors,
    morphs: avatar.morphs,
  };
}

/** `POST /api/v1/render`: an image of the caller's avatar or of a catalog asset, from the cache when it can. */
export async function renderForUser(
  deps: RenderApiDeps,
  userId: string,
  input: RenderInput,
): Promise<RenderOutput> {
  await enforceRateLimit(deps, userId);
  const render = deps.render;
  if (!render) throw new RenderError('UNAVAILABLE', 'This server does not render', { retryAfterSeconds: 60 });
  const { subject, ...options } = input;
  const scene = await sceneOf(deps, render, userId, subject);
  const result = await render.render({ ...options, scene });
  return {
    url: await deps.storage.url(result.objectKey, { immutable: true }),
    contentType: result.contentType,
    width: input.width,
    height: input.height,
    bytes: result.bytes,
    cached: result.cached,
  };
}
