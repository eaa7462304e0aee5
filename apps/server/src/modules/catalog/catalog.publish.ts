import { randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type { Asset, CreateAssetInput, CreateVersionInput } from '@avatar/contracts';
import type { Transaction } from 'kysely';
import type { AssetRow, Database, NewAssetRow } from '../../db/tables.ts';
import { AppError } from '../../http/errors.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import { assetKey } from '../../storage/keys.ts';
import { analyzeGlb } from '../uploads/analyze-glb.ts';
import { toAsset } from './catalog.mapper.ts';
import * as repo from './catalog.repository.ts';
import { assertCategory, assetNotFound, type CatalogDeps } from './catalog.service.ts';
import { bumpVersion, compareVersions, formatVersion, parseVersion, type Version } from './semver.ts';

export interface PublishDeps extends CatalogDeps {
  maxUploadBytes: number;
}

const versionConflict = (key: string, wanted: string, latest: string) =>
  new AppError(
    'CONFLICT',
    'VERSION_CONFLICT',
    `Version ${wanted} of "${key}" is not newer than its latest version ${latest}; reload and try again`,
  );

/** Steps of a caller's own that must commit or roll back with the row (an upload queues its job there). */
export interface InsertHooks {
  /** Runs holding the key's lock, before the version check; throw to refuse. */
  beforeInsert?: (trx: Transaction<Database>) => Promise<void>;
  afterInsert?: (trx: Transaction<Database>, row: AssetRow) => Promise<void>;
}

/**
 * Inserts a catalog row for an object already written under `storageKey`, in one transaction that holds
 * the key's lock, so two publishers of one version cannot both win. If the insert fails, the object is
 * removed: no object without a row.
 */
export async function insertVersionRow(
  deps: CatalogDeps,
  row: Omit<NewAssetRow, 'version' | 'version_major' | 'version_minor' | 'version_patch'>,
  next: Version,
  hooks: InsertHooks = {},
) {
  try {
    return await deps.db.transaction().execute(async (trx) => {
      await repo.lockKey(trx, row.key);
      await hooks.beforeInsert?.(trx);
      const latestRow = await repo.latestVersion(trx, row.key);
      const latest = latestRow ? parseVersion(latestRow.version) : null;
      if (latest && compareVersions(next, latest) <= 0) {
        throw versionConflict(row.key, formatVersion(next), formatVersion(latest));
      }
      const [major, minor, patch] = next;
      const inserted = await repo.insertAsset(trx, {
        ...row,
        version: formatVersion(next),
        version_major: major,
        version_minor: minor,
        version_patch: patch,
      });
      await hooks.afterInsert?.(trx, inserted);
      return inserted;
    });
  } catch (error) {
    await deps.storage.delete(row.storage_key).catch(() => {});
    if ((error as { code?: string }).code === '23505') {
      throw new AppError('CONFLICT', 'VERSION_CONFLICT', `That version of "${row.key}" already exists`);
    }
    throw error;
  }
}

/** `POST /resources/catalog`: registers an object already in storage, through the same gate as uploads. */
export async function create(deps: PublishDeps, uploadedBy: string, input: CreateAssetInput): Promise<Asset> {
  assertCategory(input.type, input.category);
  const head = await deps.storage.head(input.storageKey);
  if (!head) throw new AppError('BAD_REQUEST', 'VALIDATION_FAILED', 'No stored object under storageKey');
  if (head.size > deps.maxUploadBytes) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      'BODY_TOO_LARGE',
      `The object is larger than ${deps.maxUploadBytes} bytes`,
    );
  }
  const bytes = await buffer((await deps.storage.get(input.storageKey)).stream);
  const analysis = await analyzeGlb(bytes, deps.maxUploadBytes);
  const duplicate = await repo.findBySha256(deps.db, analysis.sha256);
  if (duplicate) {
    throw new AppError(
      'CONFLICT',
      'DUPLICATE_ASSET',
      `The same file is already in the catalog as "${duplicate.key}" ${duplicate.version}`,
      { details: { existingId: duplicate.id } },
    );
  }
  const id = randomUUID();
  const storageKey = assetKey({ type: input.type, category: input.category, version: input.version, id });
  await deps.storage.copy(input.storageKey, storageKey);
  const row = await insertVersionRow(
    deps,
    {
      id,
      asset_type: input.type,
      name: input.name,
      key: input.key,
      category: input.category,
      tags: input.tags,
      file_size: bytes.byteLength,
      mime_type: 'model/gltf-binary',
      sha256: analysis.sha256,
      storage_key: storageKey,
      metadata: JSON.stringify(analysis.metadata),
      status: 'active',
      uploaded_by: uploadedBy,
    },
    parseVersion(input.version),
  );
  return toAsset(deps.storage, row);
}

/** `POST /resources/catalog/:id/version`: the next version of an asset, as a copy of the one named. */
export async function createVersion(
  deps: CatalogDeps & { jobs?: JobQueue },
  uploadedBy: string,
  input: CreateVersionInput,
): Promise<Asset> {
  const source = await repo.findAsset(deps.db, input.id);
  if (!source) throw assetNotFound();
  // Optimized variants are files of their own version (uploads.process-asset): a copy of an uploaded
  // asset gets its own through the same job, queued with the row.
  const { jobs } = deps;
  const sourceMeta = source.metadata as { variants?: unknown } | null;
  const reprocess =
    jobs !== undefined && (source.status === 'processing' || sourceMeta?.variants !== undefined);
  const { variants: _variants, ...copiedMeta } = sourceMeta ?? {};
  // Relative to the version the admin was looking at: two admins bumping the same version collide (409).
  const next = input.version
    ? parseVersion(input.version)
    : bumpVersion(parseVersion(source.version), input.bump!);
  const id = randomUUID();
  const storageKey = assetKey({
    type: source.asset_type,
    category: source.category,
    version: formatVersion(next),
    id,
  });
  await deps.storage.copy(source.storage_key, storageKey);
  const row = await insertVersionRow(
    deps,
    {
      id,
      asset_type: source.asset_type,
      name: input.name ?? source.name,
      key: source.key,
      category: source.category,
      tags: input.tags ?? source.tags,
      file_size: Number(source.file_size),
      mime_type: source.mime_type,
      sha256: source.sha256,
      storage_key: storageKey,
      thumbnail_key: source.thumbnail_key,
      metadata: source.metadata === null ? null : JSON.stringify(reprocess ? copiedMeta : source.metadata),
      status: reprocess
        ? 'processing'
        : source.status === 'processing' || source.status === 'failed'
          ? source.status
          : 'active',
      uploaded_by: uploadedBy,
    },
    next,
    reprocess
      ? {
          afterInsert: async (trx, inserted) =>
            void (await jobs.send('asset.process', { assetId: inserted.id }, { trx })),
        }
      : {},
  );
  return toAsset(deps.storage, row);
}
