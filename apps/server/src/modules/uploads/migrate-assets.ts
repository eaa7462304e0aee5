import { buffer } from 'node:stream/consumers';
import { type AssetType, assetTypes, categoryAllowed, type UploadFields } from '@avatar/contracts';
import { AppError } from '../../http/errors.ts';
import type { Deps } from '../../trpc/context.ts';
import * as catalog from '../catalog/catalog.repository.ts';
import { loadDecoders } from './codecs.ts';
import { ingestAsset } from './ingest-asset.ts';
import { prepareAsset } from './prepare-asset.ts';
import { uploadLimits } from './upload-limits.ts';

export interface MigrateAssetsOptions {
  /** Storage prefix to scan, e.g. `models/`. */
  prefix: string;
  dryRun: boolean;
  /** Used when the path does not name a type and category (`models/hair/short/bob.glb` does). */
  type: AssetType;
  category: string;
  /** Catalog keys become `<keyPrefix>/<path below prefix>`. */
  keyPrefix: string;
  uploadedBy: string | null;
  log: (line: string) => void;
}

export interface MigrateAssetsReport {
  scanned: number;
  created: number;
  existing: number;
  skipped: number;
  invalid: number;
  linked: number;
}

/**
 * Brings GLBs stored before the catalog existed into it: each object under `prefix` that is a GLB (by its
 * bytes) goes through the upload pipeline (validation, inspection, storage under `assets/`, row, job);
 * avatar configs whose legacy `model_url` points at one of those files get its `model_asset_id`. A file
 * whose bytes are already in the catalog counts as migrated, so a second run changes nothing. With
 * `dryRun` it reads and validates but writes nothing.
 */
export async function migrateAssets(deps: Deps, options: MigrateAssetsOptions): Promise<MigrateAssetsReport> {
  const report: MigrateAssetsReport = {
    scanned: 0,
    created: 0,
    existing: 0,
    skipped: 0,
    invalid: 0,
    linked: 0,
  };
  const { log } = options;
  const unlinked = await deps.db
    .selectFrom('avatar_configs')
    .select(['user_id', 'model_url'])
    .where('model_asset_id', 'is', null)
    .where('model_url', 'is not', null)
    .execute();

  const plannedBySha = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await deps.storage.list(options.prefix, cursor ? { cursor } : {});
    cursor = page.nextCursor ?? undefined;
    for (const item of page.items) {
      report.scanned++;
      if (!(await startsLikeGlb(deps, item.key))) {
        report.skipped++;
        log(`skip    ${item.key}: not a GLB`);
        continue;
      }
      const fields = fieldsFor(item.key, options);
      const bytes = new Uint8Array(await buffer((await deps.storage.get(item.key)).stream));
      // The asset this file is (or, in a dry run, would become: id null).
      let asset: { id: string | null; isNew: boolean; sameAs?: string };
      try {
        if (options.dryRun) {
          const { id, sha256 } = await existingAsset(deps, bytes);
          // Within a dry run nothing is created, so a second copy of a new file is caught here.
          const earlier = plannedBySha.get(sha256);
          asset = { id, isNew: id === null && earlier === undefined };
          if (earlier !== undefined) asset = { id: null, isNew: false, sameAs: earlier };
          plannedBySha.set(sha256, plannedBySha.get(sha256) ?? item.key);
        } else {
          asset = { id: (await ingestAsset(deps, options.uploadedBy, fields, { bytes })).id, isNew: true };
        }
      } catch (error) {
        const refused =
          error instanceof AppError && !['SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR'].includes(error.code);
        if (!refused) throw error;
        if (error.reason !== 'DUPLICATE_ASSET') {
          report.invalid++;
          log(`invalid ${item.key}: ${error.message}`);
          continue;
        }
        asset = { id: String(error.details?.existingId), isNew: false };
      }
      if (asset.isNew) {
        report.created++;
        const target = `${fields.type}/${fields.category} "${fields.key}"`;
        log(
          options.dryRun
            ? `would create ${item.key} -> ${target}`
            : `create  ${item.key} -> ${target} (${asset.id})`,
        );
      } else {
        report.existing++;
        log(`exists  ${item.key} = ${asset.id ?? `the new asset from ${asset.sameAs}`}`);
      }
      for (const config of unlinked) {
        if (!config.model_url || !pointsAt(config.model_url, item.key)) continue;
        if (!options.dryRun && asset.id) {
          const updated = await deps.db
            .updateTable('avatar_configs')
            .set({ model_asset_id: asset.id })
            .where('user_id', '=', config.user_id)
            .where('model_asset_id', 'is', null)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) continue;
        }
        report.linked++;
        const target = asset.id ?? `the new asset from ${asset.sameAs ?? item.key}`;
        log(
          `${options.dryRun ? 'would link' : 'link   '} avatar config of user ${config.user_id} -> ${target}`,
        );
      }
    }
  } while (cursor);
  return report;
}

/** Validates as the upload would (refusals throw); the id of the asset holding the same bytes, or null. */
async function existingAsset(deps: Deps, bytes: Uint8Array): Promise<{ id: string | null; sha256: string }> {
  const prepared = await prepareAsset(bytes, {
    limits: uploadLimits(deps.config),
    dependencies: (await loadDecoders()).dependencies,
  });
  const found = await catalog.findBySha256(deps.db, prepared.sha256);
  return { id: found?.id ?? null, sha256: prepared.sha256 };
}

async function startsLikeGlb(deps: Deps, key: string): Promise<boolean> {
  const head = await deps.storage.get(key, { range: { start: 0, end: 3 } }).catch(() => null);
  if (!head) return false;
  const bytes = await buffer(head.stream);
  return bytes.length === 4 && bytes.toString('latin1') === 'glTF';
}

/** Catalog fields from a storage path: `models/hair/short/Bob Cut.glb` -> hair/short, key `<prefix>/hair/short/bob-cut`. */
export function fieldsFor(
  storageKey: string,
  options: Pick<MigrateAssetsOptions, 'prefix' | 'type' | 'category' | 'keyPrefix'>,
): UploadFields {
  const relative = storageKey.slice(options.prefix.length).replace(/\.[^./]*$/, '');
  const segments = relative
    .split('/')
    .map((segment) =>
      segment
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter(Boolean);
  const [first, second] = relative.toLowerCase().split('/');
  const typed =
    assetTypes.includes(first as AssetType) && second && categoryAllowed(first as AssetType, second);
  const key = [options.keyPrefix, ...segments].join('/').slice(0, 120).replace(/\/+$/, '');
  const base = relative.split('/').pop() ?? relative;
  const name = base.replace(/[-_]+/g, ' ').trim().slice(0, 120) || 'Migrated asset';
  return {
    type: typed ? (first as AssetType) : options.type,
    category: (typed ? second : options.category) as UploadFields['category'],
    name,
    key,
    version: '1.0.0',
    tags: ['migrated'],
  };
}

/** True when a legacy model URL (absolute, `/files/...`, or a bare key; with or without a query) names `key`. */
export function pointsAt(modelUrl: string, key: string): boolean {
  let path = modelUrl.split(/[?#]/)[0] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep it as written
  }
  return path === key || path.endsWith(`/${key}`);
}
