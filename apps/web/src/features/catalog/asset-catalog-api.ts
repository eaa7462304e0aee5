import { api } from '../../api/trpc.ts';
import { type UploadFields, type UploadOptions, uploadAsset } from '../../api/upload.ts';
import { cacheKey, QueryCache } from './query-cache.ts';

type CatalogClient = typeof api.catalog;
type QueryName = 'list' | 'search' | 'byId' | 'versions' | 'diff' | 'latestByKey' | 'byType';
type MutationName = 'create' | 'update' | 'deprecate' | 'createVersion';

export type CatalogInput<P extends QueryName> = Parameters<CatalogClient[P]['query']>[0];
export type CatalogOutput<P extends QueryName> = Awaited<ReturnType<CatalogClient[P]['query']>>;
export type CatalogMutationInput<P extends MutationName> = Parameters<CatalogClient[P]['mutate']>[0];
export type CatalogMutationOutput<P extends MutationName> = Awaited<ReturnType<CatalogClient[P]['mutate']>>;

export interface AssetCatalogOptions {
  client?: CatalogClient;
  upload?: typeof uploadAsset;
  /** How long a query's answer is reused. */
  ttlMs?: number;
  now?: () => number;
}

export const CATALOG_CACHE_TTL_MS = 5 * 60 * 1000;

/**
 * The catalog as the web app reads it: the typed tRPC procedures behind a cache keyed by procedure and
 * input. Every write clears the whole cache: a write can change any list, search, facet or version
 * history, and the next reads are cheap.
 */
export class AssetCatalogAPI {
  readonly #client: CatalogClient;
  readonly #upload: typeof uploadAsset;
  readonly #cache: QueryCache;

  constructor(options: AssetCatalogOptions = {}) {
    this.#client = options.client ?? api.catalog;
    this.#upload = options.upload ?? uploadAsset;
    this.#cache = new QueryCache(options.ttlMs ?? CATALOG_CACHE_TTL_MS, options.now);
  }

  list(input: CatalogInput<'list'>): Promise<CatalogOutput<'list'>> {
    return this.#query('list', input, () => this.#client.list.query(input));
  }

  search(input: CatalogInput<'search'>): Promise<CatalogOutput<'search'>> {
    return this.#query('search', input, () => this.#client.search.query(input));
  }

  /** `fresh` skips the cache (status polling) and stores what it got for everyone else. */
  byId(id: string, options: { fresh?: boolean } = {}): Promise<CatalogOutput<'byId'>> {
    const input = { id };
    if (!options.fresh) return this.#query('byId', input, () => this.#client.byId.query(input));
    return this.#client.byId.query(input).then((asset) => {
      this.#cache.set(cacheKey('catalog.byId', input), asset);
      return asset;
    });
  }

  versions(id: string, options: { fresh?: boolean } = {}): Promise<CatalogOutput<'versions'>> {
    const input = { id };
    if (!options.fresh) return this.#query('versions', input, () => this.#client.versions.query(input));
    return this.#client.versions.query(input).then((list) => {
      this.#cache.set(cacheKey('catalog.versions', input), list);
      return list;
    });
  }

  diff(id: string, otherId: string): Promise<CatalogOutput<'diff'>> {
    const input = { id, otherId };
    return this.#query('diff', input, () => this.#client.diff.query(input));
  }

  latestByKey(key: string): Promise<CatalogOutput<'latestByKey'>> {
    const input = { key };
    return this.#query('latestByKey', input, () => this.#client.latestByKey.query(input));
  }

  byType(input: CatalogInput<'byType'>): Promise<CatalogOutput<'byType'>> {
    return this.#query('byType', input, () => this.#client.byType.query(input));
  }

  create(input: CatalogMutationInput<'create'>): Promise<CatalogMutationOutput<'create'>> {
    return this.#mutate(() => this.#client.create.mutate(input));
  }

  update(input: CatalogMutationInput<'update'>): Promise<CatalogMutationOutput<'update'>> {
    return this.#mutate(() => this.#client.update.mutate(input));
  }

  deprecate(input: CatalogMutationInput<'deprecate'>): Promise<CatalogMutationOutput<'deprecate'>> {
    return this.#mutate(() => this.#client.deprecate.mutate(input));
  }

  createVersion(
    input: CatalogMutationInput<'createVersion'>,
  ): Promise<CatalogMutationOutput<'createVersion'>> {
    return this.#mutate(() => this.#client.createVersion.mutate(input));
  }

  /** `POST /resources/upload` with progress; a new asset changes lists, so it clears the cache too. */
  upload(file: File, fields: UploadFields, options?: UploadOptions) {
    return this.#mutate(() => this.#upload(file, fields, options));
  }

  /** Forget everything, for a "refresh" button or after a write made elsewhere. */
  invalidate(): void {
    this.#cache.clear();
  }

  #query<T>(procedure: QueryName, input: unknown, load: () => Promise<T>): Promise<T> {
    return this.#cache.get(cacheKey(`catalog.${procedure}`, input), load);
  }

  async #mutate<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      // Also after a failure: a conflict (409) means what we cached is out of date.
      this.#cache.clear();
    }
  }
}

/** The one instance the app shares, so every screen benefits from what another already fetched. */
export const catalogApi = new AssetCatalogAPI();
