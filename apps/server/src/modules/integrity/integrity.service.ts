import { createHash } from 'node:crypto';
import {
  type AssetVariant,
  assetVariants,
  type ChecksumMismatch,
  type IntegrityRepairResult,
  type IntegrityReport,
  type MissingObject,
  type OrphanObject,
} from '@avatar/contracts';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import type { AssetStorage, ListItem } from '../../storage/storage.types.ts';
import { isStorageError } from '../../storage/storage-error.ts';
import { variantStorageKey } from '../uploads/variant-keys.ts';
import * as repo from './integrity.repository.ts';

export interface IntegrityDeps {
  config: Pick<Config, 'INTEGRITY_ORPHAN_GRACE_SECONDS'>;
  db: Db;
  storage: AssetStorage;
  logger: Logger;
}

export interface ScanOptions {
  /** Re-read each catalog original and hash it. */
  verifyChecksums: boolean;
  /** Overrides the configured grace period (tests, and a repair right after a known crash). */
  graceSeconds?: number;
  /** Stop listing after this many objects; the report then says `truncated`. */
  maxObjects: number;
}

export const SCAN_DEFAULTS: Readonly<ScanOptions> = Object.freeze({
  verifyChecksums: true,
  maxObjects: 200_000,
});

/** The prefixes the server writes under; anything else in the bucket is not ours to judge or delete. */
export const OWNED_PREFIXES = ['assets/', 'exports/', 'incoming/'] as const;

async function listAll(
  storage: AssetStorage,
  prefix: string,
  budget: number,
): Promise<{ items: ListItem[]; truncated: boolean }> {
  const items: ListItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.list(prefix, { cursor, limit: 1000 });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (items.length >= budget) return { items: items.slice(0, budget), truncated: cursor !== undefined };
  } while (cursor);
  return { items, truncated: false };
}

/** Keys any row refers to, and the asset bases (an asset row owns the siblings of its original). */
async function references(db: Db) {
  const [assets, exportsRows, glbs, pending] = await Promise.all([
    repo.assetRows(db),
    repo.completedExportKeys(db),
    repo.avatarGlbKeys(db),
    repo.pendingKeys(db),
  ]);
  const keys = new Set<string>(pending);
  const bases = new Set<string>();
  const expected: MissingObject[] = [];
  for (const a of assets) {
    keys.add(a.storage_key);
    const base = repo.assetBase(a.storage_key);
    if (base) bases.add(base);
    expected.push({ kind: 'asset', id: a.id, key: a.storage_key });
    if (a.thumbnail_key) {
      keys.add(a.thumbnail_key);
      expected.push({ kind: 'asset-thumbnail', id: a.id, key: a.thumbnail_key });
    }
    for (const key of recordedVariantKeys(a.storage_key, a.metadata)) {
      keys.add(key);
      expected.push({ kind: 'asset-variant', id: a.id, key });
    }
  }
  for (const e of exportsRows) {
    keys.add(e.storage_key);
    expected.push({ kind: 'export', id: e.id, key: e.storage_key });
  }
  for (const g of glbs) {
    keys.add(g.glb_key);
    expected.push({ kind: 'avatar-glb', id: g.id, key: g.glb_key });
  }
  return { assets, keys, bases, expected };
}

/** Variant objects the processing job recorded (`metadata.variants` names them; keys sit beside the original). */
function recordedVariantKeys(storageKey: string, metadata: unknown): string[] {
  const variants = (metadata as { variants?: unknown } | null)?.variants;
  if (!variants || typeof variants !== 'object') return [];
  const keys: string[] = [];
  for (const name of Object.keys(variants)) {
    if (!(assetVariants as readonly string[]).includes(name) || name === 'original') continue;
    keys.push(variantStorageKey(storageKey, name as AssetVariant));
  }
  return keys;
}

function owned(key: string, refs: { keys: Set<string>; bases: Set<string> }): boolean {
  if (refs.keys.has(key)) return true;
  const base = repo.assetBase(key);
  return base !== null && refs.bases.has(base);
}

async function sha256Of(storage: AssetStorage, key: string): Promise<string | null> {
  try {
    const { stream } = await storage.get(key);
    const hash = createHash('sha256');
    for await (const chunk of stream) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch (error) {
    if (isStorageError(error, 'NOT_FOUND')) return null;
    throw error;
  }
}

/**
 * The storage-integrity report: objects no row refers to, rows whose object is missing, and catalog
 * originals whose bytes no longer hash to the row's sha256. Storage is listed before the rows are read,
 * so an upload finishing during the scan shows as a young orphan at worst, never as a missing object.
 */
export async function report(
  deps: IntegrityDeps,
  options: Partial<ScanOptions> = {},
): Promise<IntegrityReport> {
  const opts = { ...SCAN_DEFAULTS, ...options };
  const graceSeconds = opts.graceSeconds ?? deps.config.INTEGRITY_ORPHAN_GRACE_SECONDS;
  const started = new Date();
  let truncated = false;
  const objects: ListItem[] = [];
  for (const prefix of OWNED_PREFIXES) {
    const listed = await listAll(deps.storage, prefix, opts.maxObjects - objects.length);
    objects.push(...listed.items);
    truncated ||= listed.truncated;
  }
  const refs = await references(deps.db);
  const present = new Set(objects.map((o) => o.key));

  const cutoff = started.getTime() - graceSeconds * 1000;
  const orphanObjects: OrphanObject[] = objects
    .filter((o) => !owned(o.key, refs))
    .map((o) => ({
      key: o.key,
      size: o.size,
      lastModified: o.lastModified.toISOString(),
      repairable: o.lastModified.getTime() <= cutoff,
    }));
  // A row written after the listing may name an object listed too late to be seen: head it before blaming.
  const missingObjects: MissingObject[] = [];
  for (const row of refs.expected) {
    if (present.has(row.key)) continue;
    if (!(await deps.storage.head(row.key))) missingObjects.push(row);
  }

  const checksumMismatches: ChecksumMismatch[] = [];
  let checksumsVerified = 0;
  if (opts.verifyChecksums) {
    for (const asset of refs.assets) {
      if (missingObjects.some((m) => m.kind === 'asset' && m.id === asset.id)) continue;
      const actual = await sha256Of(deps.storage, asset.storage_key);
      if (actual === null) continue;
      checksumsVerified++;
      if (actual !== asset.sha256) {
        checksumMismatches.push({
          assetId: asset.id,
          key: asset.storage_key,
          expected: asset.sha256,
          actual,
        });
      }
    }
  }

  return {
    checkedAt: started.toISOString(),
    graceSeconds,
    objectsScanned: objects.length,
    rowsChecked: refs.expected.length,
    checksumsVerified,
    truncated,
    orphanObjects,
    missingObjects,
    checksumMismatches,
  };
}

export interface RepairOptions {
  keys?: string[];
  graceSeconds?: number;
}

/**
 * Removes orphan objects older than the grace period. Each key is checked again at the moment of its
 * deletion, under a lock on the key: still present, still old enough, still referenced by no row (a row
 * or pending upload claiming it since the scan keeps it). Never touches a row.
 */
export async function repair(
  deps: IntegrityDeps,
  options: RepairOptions = {},
): Promise<IntegrityRepairResult> {
  const graceSeconds = options.graceSeconds ?? deps.config.INTEGRITY_ORPHAN_GRACE_SECONDS;
  const scan = await report(deps, { verifyChecksums: false, graceSeconds });
  const orphans = new Map(scan.orphanObjects.map((o) => [o.key, o]));
  const wanted = options.keys ?? scan.orphanObjects.map((o) => o.key);
  const result: IntegrityRepairResult = { deleted: [], skipped: [] };
  for (const key of wanted) {
    const orphan = orphans.get(key);
    if (!orphan) {
      result.skipped.push({ key, reason: 'not-scanned' });
      continue;
    }
    const outcome = await deleteIfStillOrphan(deps, key, graceSeconds);
    if (outcome === 'deleted') result.deleted.push(key);
    else result.skipped.push({ key, reason: outcome });
  }
  if (result.deleted.length)
    deps.logger.info({ deleted: result.deleted }, 'integrity repair removed orphan objects');
  return result;
}

async function deleteIfStillOrphan(
  deps: IntegrityDeps,
  key: string,
  graceSeconds: number,
): Promise<'deleted' | 'referenced' | 'too-recent' | 'gone'> {
  return deps.db.transaction().execute(async (trx) => {
    await repo.lockKey(trx, key);
    const head = await deps.storage.head(key);
    if (!head) return 'gone';
    if (head.lastModified.getTime() > Date.now() - graceSeconds * 1000) return 'too-recent';
    if (await repo.isReferenced(trx, key)) return 'referenced';
    await deps.storage.delete(key);
    return 'deleted';
  });
}
