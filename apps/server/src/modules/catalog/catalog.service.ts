import {
  type Asset,
  type AssetDiff,
  type AssetPage,
  type AssetStatus,
  type AssetSummary,
  type CreateAssetInput,
  type CreateVersionInput,
  categoryAllowed,
  type ListCatalogInput,
  type Role,
  type SearchCatalogInput,
  type SearchResult,
  type UpdateAssetInput,
} from '@avatar/contracts';
import { z } from 'zod';
import type { ChangeFeed } from '../../db/change-feed.ts';
import type { Db } from '../../db/database.ts';
import { cachedRead } from '../../db/read-cache.ts';
import type { AssetRow } from '../../db/tables.ts';
import { AppError } from '../../http/errors.ts';
import { decodeCursor, encodeCursor } from '../../pagination/cursor.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import { toAsset, toAssetSummary } from './catalog.mapper.ts';
import * as repo from './catalog.repository.ts';
import { toTsQuery } from './search-query.ts';
import { compareVersions, formatVersion, parseVersion } from './semver.ts';

export interface CatalogDeps {
  db: Db;
  storage: AssetStorage;
  config: { SESSION_SECRET: string };
  changes?: ChangeFeed;
}

export interface Viewer {
  id: string;
  role: Role;
}

/** Players see active assets in lists; by id they may also open a deprecated one (it names its successor). */
const listStatuses = (viewer: Viewer, asked?: AssetStatus): AssetStatus[] | undefined =>
  viewer.role === 'admin' ? (asked ? [asked] : undefined) : ['active'];
const visibleById = (viewer: Viewer, status: AssetStatus) =>
  viewer.role === 'admin' || status === 'active' || status === 'deprecated';

export const assetNotFound = () => new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'No asset with this id');

const ListCursor = z.union([
  z.tuple([z.literal('newest'), z.string().max(40), z.uuid()]),
  z.tuple([z.literal('name'), z.string().max(200), z.uuid()]),
  z.tuple([z.literal('version'), z.number().int(), z.number().int(), z.number().int(), z.uuid()]),
]);

function listAfter(secret: string, cursor: string, sort: ListCatalogInput['sort']): repo.ListAfter {
  const values = decodeCursor(secret, 'catalog', cursor, z.tuple([z.string()]).rest(z.unknown()));
  const parsed = ListCursor.safeParse(values);
  if (!parsed.success || parsed.data[0] !== sort) {
    throw new AppError('BAD_REQUEST', 'VALIDATION_FAILED', 'Invalid cursor: start again from the first page');
  }
  const v = parsed.data;
  if (v[0] === 'newest') return { sort: 'newest', at: v[1], id: v[2] };
  if (v[0] === 'name') return { sort: 'name', name: v[1], id: v[2] };
  return { sort: 'version', major: v[1], minor: v[2], patch: v[3], id: v[4] };
}

type ListRow = Awaited<ReturnType<typeof repo.listAssets>>[number];

function listCursorOf(secret: string, sort: ListCatalogInput['sort'], row: ListRow): string {
  const values =
    sort === 'newest'
      ? ['newest', row.cursor_at, row.id]
      : sort === 'name'
        ? ['name', row.name, row.id]
        : ['version', row.version_major, row.version_minor, row.version_patch, row.id];
  return encodeCursor(secret, 'catalog', values);
}

const summaries = (storage: AssetStorage, rows: Omit<repo.AssetSummaryRow, 'cursor_at'>[]) =>
  Promise.all(rows.map((r) => toAssetSummary(storage, r)));

/**
 * Answers of list, search and get, kept in memory until the catalog changes (any process: the change
 * feed) and at most a minute (thumbnail URLs inside are signed). Players and admins see different rows.
 */
const READS = { name: 'catalog-reads', channel: 'catalog', maxEntries: 1_000, maxAgeMs: 60_000 } as const;
/** Single assets apart from lists, so that browsing a few thousand assets does not evict the lists. */
const ASSETS = { name: 'catalog-assets', channel: 'catalog', maxEntries: 5_000, maxAgeMs: 60_000 } as const;
const readKey = (kind: string, viewer: Viewer, input: unknown) =>
  `${kind}\n${viewer.role === 'admin' ? 'admin' : 'player'}\n${JSON.stringify(input)}`;

export function list(deps: CatalogDeps, viewer: Viewer, input: ListCatalogInput): Promise<AssetPage> {
  return cachedRead(deps.changes, READS, readKey('list', viewer, input), () => readList(deps, viewer, input));
}

async function readList(deps: CatalogDeps, viewer: Viewer, input: ListCatalogInput): Promise<AssetPage> {
  const secret = deps.config.SESSION_SECRET;
  const after = input.cursor ? listAfter(secret, input.cursor, input.sort) : undefined;
  const filter = { ...input, statuses: listStatuses(viewer, input.status) };
  const rows = await repo.listAssets(deps.db, filter, input.sort, input.limit + 1, after);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: await summaries(deps.storage, page),
    nextCursor: rows.length > input.limit && last ? listCursorOf(secret, input.sort, last) : null,
  };
}

const SearchCursor = z.tuple([z.string().regex(/^[0-9.e+-]{1,32}$/), z.uuid()]);

export function search(deps: CatalogDeps, viewer: Viewer, input: SearchCatalogInput): Promise<SearchResult> {
  return cachedRead(deps.changes, READS, readKey('search', viewer, input), () =>
    readSearch(deps, viewer, input),
  );
}

async function readSearch(
  deps: CatalogDeps,
  viewer: Viewer,
  input: SearchCatalogInput,
): Promise<SearchResult> {
  const secret = deps.config.SESSION_SECRET;
  const tsquery = toTsQuery(input.q);
  if (!tsquery) {
    throw new AppError(
      'BAD_REQUEST',
      'VALIDATION_FAILED',
      'Search for at least one word made of letters or digits',
    );
  }
  const cursor = input.cursor
    ? decodeCursor(secret, `search:${tsquery}`, input.cursor, SearchCursor)
    : undefined;
  const filter = { ...input, statuses: listStatuses(viewer, input.status) };
  const [rows, facets] = await Promise.all([
    repo.searchAssets(
      deps.db,
      tsquery,
      filter,
      input.limit + 1,
      cursor && { rank: cursor[0], id: cursor[1] },
    ),
    repo.facets(deps.db, tsquery, filter),
  ]);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: await summaries(deps.storage, page),
    nextCursor:
      rows.length > input.limit && last
        ? encodeCursor(secret, `search:${tsquery}`, [last.rank, last.id])
        : null,
    facets,
  };
}

/** The row behind `get`, for modules that serve its files; same visibility rules. */
export async function visibleRow(deps: CatalogDeps, viewer: Viewer, id: string): Promise<AssetRow> {
  const row = await repo.findAsset(deps.db, id);
  if (!row || !visibleById(viewer, row.status)) throw assetNotFound();
  return row;
}

export function get(deps: CatalogDeps, viewer: Viewer, id: string): Promise<Asset> {
  return cachedRead(deps.changes, ASSETS, readKey('get', viewer, id), async () =>
    toAsset(deps.storage, await visibleRow(deps, viewer, id)),
  );
}

function assertCategory(type: string, category: string) {
  if (!categoryAllowed(type as never, category)) {
    throw new AppError(
      'BAD_REQUEST',
      'VALIDATION_FAILED',
      `Category "${category}" is not allowed for type "${type}"`,
    );
  }
}

export async function update(deps: CatalogDeps, input: UpdateAssetInput): Promise<Asset> {
  const row = await repo.findAsset(deps.db, input.id);
  if (!row) throw assetNotFound();
  if (input.category) assertCategory(row.asset_type, input.category);
  const updated = await repo.updateAsset(deps.db, input.id, {
    name: input.name,
    category: input.category,
    tags: input.tags,
  });
  if (!updated) throw assetNotFound();
  return toAsset(deps.storage, updated);
}

export async function deprecate(deps: CatalogDeps, id: string, replacedBy?: string) {
  const row = await repo.findAsset(deps.db, id);
  if (!row) throw assetNotFound();
  if (replacedBy) {
    const successor = await repo.findAsset(deps.db, replacedBy);
    if (
      !successor ||
      successor.id === id ||
      successor.status !== 'active' ||
      successor.asset_type !== row.asset_type
    ) {
      throw new AppError(
        'BAD_REQUEST',
        'VALIDATION_FAILED',
        'replacedBy must name another active asset of the same type',
      );
    }
  }
  return deps.db.transaction().execute(async (trx) => {
    await repo.lockKey(trx, row.key);
    const updated = await repo.updateAsset(trx, id, {
      status: 'deprecated',
      replaced_by: replacedBy ?? null,
    });
    if (!updated) throw assetNotFound();
    const stillActive = await repo.latestVersion(trx, row.key, ['active']);
    return {
      asset: await toAsset(deps.storage, updated),
      avatarConfigsReferencing: await repo.countConfigsReferencing(trx, id),
      wasLastActiveVersion: row.status === 'active' && !stillActive,
    };
  });
}

export async function versions(deps: CatalogDeps, viewer: Viewer, id: string) {
  const row = await visibleRow(deps, viewer, id);
  const rows = await repo.listVersions(deps.db, row.key, listStatuses(viewer));
  return { key: row.key, items: await summaries(deps.storage, rows) };
}

export async function latestByKey(deps: CatalogDeps, key: string): Promise<Asset> {
  const row = await repo.latestVersion(deps.db, key, ['active']);
  if (!row) throw new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', `No active version of "${key}"`);
  return toAsset(deps.storage, row);
}

function delta(before: number | null | undefined, after: number | null | undefined) {
  const b = before ?? null;
  const a = after ?? null;
  return { before: b, after: a, delta: a !== null && b !== null ? a - b : null };
}

export async function diff(
  deps: CatalogDeps,
  viewer: Viewer,
  id: string,
  otherId: string,
): Promise<AssetDiff> {
  const [from, to] = await Promise.all([get(deps, viewer, id), get(deps, viewer, otherId)]);
  if (from.key !== to.key) {
    throw new AppError(
      'BAD_REQUEST',
      'VALIDATION_FAILED',
      'Only versions of the same asset key can be compared',
    );
  }
  const [fromSummary, toSummary] = await Promise.all(
    [from, to].map(({ metadata, ...rest }) => ({ ...rest, triangles: metadata?.geometry.triangles ?? null })),
  );
  return {
    from: fromSummary!,
    to: toSummary!,
    fileSize: delta(from.fileSize, to.fileSize),
    triangles: delta(from.metadata?.geometry.triangles, to.metadata?.geometry.triangles),
    vertices: delta(from.metadata?.geometry.vertices, to.metadata?.geometry.vertices),
    materials: delta(from.metadata?.counts.materials, to.metadata?.counts.materials),
    textures: delta(from.metadata?.counts.textures, to.metadata?.counts.textures),
    boundsSize: { before: from.metadata?.bounds?.size ?? null, after: to.metadata?.bounds?.size ?? null },
    tags: {
      added: to.tags.filter((t) => !from.tags.includes(t)),
      removed: from.tags.filter((t) => !to.tags.includes(t)),
    },
  };
}

export type { AssetSummary, CreateAssetInput, CreateVersionInput };
export { assertCategory, compareVersions, formatVersion, parseVersion };
