import type { Asset, AssetPage, AssetStatus, AssetSummary, AssetType, SearchResult } from '@avatar/contracts';
import { batch, signal } from '@preact/signals';
import { humanMessage } from '../../api/errors.ts';
import type { AssetCatalogAPI, CatalogInput } from '../catalog/asset-catalog-api.ts';

export type CatalogSort = 'newest' | 'name' | 'version';

export interface CatalogFilters {
  q: string;
  type: AssetType | '';
  category: string;
  status: AssetStatus | '';
  tags: string[];
  sort: CatalogSort;
}

export const DEFAULT_FILTERS: CatalogFilters = {
  q: '',
  type: '',
  category: '',
  status: '',
  tags: [],
  sort: 'newest',
};

export const PAGE_SIZE = 20;
export const SEARCH_DEBOUNCE_MS = 300;
export const STATUS_POLL_MS = 2000;

export type CatalogRequest =
  | { procedure: 'list'; input: CatalogInput<'list'> }
  | { procedure: 'search'; input: CatalogInput<'search'> };

/**
 * Which procedure answers the filters: full-text search (ranked, with facet counts) when there is a
 * query, the sorted list otherwise. Empty filters are left out, so equal requests share a cache entry.
 */
export function toRequest(filters: CatalogFilters, cursor?: string, limit = PAGE_SIZE): CatalogRequest {
  const common = {
    limit,
    cursor,
    type: filters.type || undefined,
    category: (filters.category || undefined) as CatalogInput<'list'>['category'],
    status: filters.status || undefined,
    tags: filters.tags.length > 0 ? filters.tags : undefined,
  };
  const q = filters.q.trim();
  if (q) return { procedure: 'search', input: { ...common, q } };
  return { procedure: 'list', input: { ...common, sort: filters.sort } };
}

/** A full asset as a table row: the list's shape carries the triangle count instead of the metadata. */
export function toSummary({ metadata, ...rest }: Asset): AssetSummary {
  return { ...rest, triangles: metadata?.geometry.triangles ?? null };
}

export type LoadState = 'loading' | 'ready' | 'loading-more' | 'error';

/**
 * The admin catalog table's state: filters, the pages loaded so far, facets, and a poller that keeps
 * rows in "processing" up to date. A newer load always wins over an older one still in flight.
 */
export function createCatalogBrowser(catalog: AssetCatalogAPI, options: { pageSize?: number } = {}) {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const filters = signal<CatalogFilters>(DEFAULT_FILTERS);
  const items = signal<AssetSummary[]>([]);
  const nextCursor = signal<string | null>(null);
  const facets = signal<SearchResult['facets'] | null>(null);
  const state = signal<LoadState>('loading');
  const error = signal<string | null>(null);
  let generation = 0;
  let debounce: ReturnType<typeof setTimeout> | undefined;
  let poller: ReturnType<typeof setInterval> | undefined;

  async function load(more = false): Promise<void> {
    const mine = ++generation;
    const request = toRequest(filters.value, more ? (nextCursor.value ?? undefined) : undefined, pageSize);
    state.value = more ? 'loading-more' : 'loading';
    error.value = null;
    try {
      const page: AssetPage & { facets?: SearchResult['facets'] } =
        request.procedure === 'search'
          ? await catalog.search(request.input)
          : await catalog.list(request.input);
      if (mine !== generation) return;
      batch(() => {
        items.value = more ? [...items.value, ...page.items] : page.items;
        nextCursor.value = page.nextCursor;
        facets.value = page.facets ?? null;
        state.value = 'ready';
      });
      syncPoller();
    } catch (failure) {
      if (mine !== generation) return;
      batch(() => {
        error.value = humanMessage(failure);
        state.value = 'error';
      });
    }
  }

  function setFilters(patch: Partial<CatalogFilters>): void {
    clearTimeout(debounce);
    filters.value = { ...filters.value, ...patch };
    void load();
  }

  /** Typing waits for a pause before it searches; clearing the box answers at once. */
  function setQuery(q: string): void {
    clearTimeout(debounce);
    if (!q.trim()) {
      setFilters({ q: '' });
      return;
    }
    debounce = setTimeout(() => setFilters({ q }), SEARCH_DEBOUNCE_MS);
  }

  function upsert(asset: Asset | AssetSummary): void {
    const row = 'metadata' in asset ? toSummary(asset) : asset;
    const at = items.value.findIndex((item) => item.id === row.id);
    if (at < 0) return;
    const next = items.value.slice();
    next[at] = row;
    items.value = next;
    syncPoller();
  }

  function syncPoller(): void {
    const processing = items.value.some((item) => item.status === 'processing');
    if (processing && !poller) poller = setInterval(poll, STATUS_POLL_MS);
    if (!processing && poller) {
      clearInterval(poller);
      poller = undefined;
    }
  }

  async function poll(): Promise<void> {
    const ids = items.value.filter((item) => item.status === 'processing').map((item) => item.id);
    const fresh = await Promise.allSettled(ids.map((id) => catalog.byId(id, { fresh: true })));
    for (const result of fresh) if (result.status === 'fulfilled') upsert(result.value);
  }

  function dispose(): void {
    clearTimeout(debounce);
    clearInterval(poller);
    poller = undefined;
    generation++;
  }

  return {
    filters,
    items,
    nextCursor,
    facets,
    state,
    error,
    reload: () => load(false),
    /** Drops every cached answer first: for writes made elsewhere (another admin, a finished job). */
    refresh: () => {
      catalog.invalidate();
      return load(false);
    },
    loadMore: () => load(true),
    setFilters,
    setQuery,
    upsert,
    dispose,
  };
}

export type CatalogBrowser = ReturnType<typeof createCatalogBrowser>;
