import type { AssetStorage } from '../../storage/storage.types.ts';

/** Cached renders older than this are removed; asked for again, they are rendered again. */
export const RENDER_CACHE_MAX_AGE_DAYS = 30;

/**
 * Removes cached render images (`renders/`) written more than `maxAgeDays` ago, so the cache does not
 * grow for ever. Run by the weekly maintenance sweep; answers how many objects it removed.
 */
export async function sweepRenderCache(
  storage: AssetStorage,
  options: { maxAgeDays?: number; now?: number } = {},
): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - (options.maxAgeDays ?? RENDER_CACHE_MAX_AGE_DAYS) * 86_400_000;
  const old: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.list('renders/', { ...(cursor ? { cursor } : {}), limit: 1000 });
    for (const item of page.items) if (item.lastModified.getTime() < cutoff) old.push(item.key);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  for (const key of old) await storage.delete(key);
  return old.length;
}
