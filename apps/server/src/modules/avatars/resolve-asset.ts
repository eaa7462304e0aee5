import type { Db } from '../../db/database.ts';
import type { AssetRow } from '../../db/tables.ts';
import { findAsset } from '../catalog/catalog.repository.ts';

export interface ResolvedRow {
  /** `replacement`: the configured asset is deprecated and this is the version that replaced it. */
  source: 'asset' | 'replacement';
  row: AssetRow;
}

/** Replacements are followed this far at most, in case an admin made a chain (or, by mistake, a loop). */
const MAX_REPLACEMENTS = 8;

/**
 * What an asset id draws as. Active: itself. Deprecated: the newest asset along its `replaced_by` chain
 * that still exists, or itself when none does (a deprecated file is still there and still draws).
 * Missing, processing or failed: nothing.
 */
export async function resolveAsset(db: Db, id: string): Promise<ResolvedRow | null> {
  const row = await findAsset(db, id);
  if (!row) return null;
  if (row.status === 'active') return { source: 'asset', row };
  if (row.status !== 'deprecated') return null;
  let current = row;
  const seen = new Set([row.id]);
  while (current.replaced_by && !seen.has(current.replaced_by) && seen.size <= MAX_REPLACEMENTS) {
    const next = await findAsset(db, current.replaced_by);
    if (!next || (next.status !== 'active' && next.status !== 'deprecated')) break;
    seen.add(next.id);
    current = next;
    if (next.status === 'active') break;
  }
  return current === row ? { source: 'asset', row } : { source: 'replacement', row: current };
}
