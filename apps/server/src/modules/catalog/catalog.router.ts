import {
  Asset,
  AssetDiff,
  AssetIdInput,
  AssetPage,
  AssetsByTypeInput,
  CreateAssetInput,
  CreateVersionInput,
  DeprecateAssetInput,
  DeprecateResult,
  DiffInput,
  LatestByKeyInput,
  ListCatalogInput,
  SearchCatalogInput,
  SearchResult,
  UpdateAssetInput,
  VersionList,
} from '@avatar/contracts';
import { adminProcedure, authedProcedure, checkedOnce, router } from '../../trpc/trpc.ts';
import { idempotencyFrom, idempotent } from '../integrity/idempotency.ts';
import * as publish from './catalog.publish.ts';
import * as catalog from './catalog.service.ts';

const tags = ['catalog'];
const viewer = (ctx: { auth: { user: { id: string; role: 'player' | 'admin' } } }) => ctx.auth.user;
const publishDeps = <T extends catalog.CatalogDeps & { config: { MAX_UPLOAD_BYTES: number } }>(ctx: T) => ({
  ...ctx,
  maxUploadBytes: ctx.config.MAX_UPLOAD_BYTES,
});

// Reads the catalog service keeps in memory answer the same objects again: their output is checked once.
const CachedAssetPage = checkedOnce(AssetPage);
const CachedSearchResult = checkedOnce(SearchResult);
const CachedAsset = checkedOnce(Asset);

// Order matters for REST: fixed paths (search, key/...) come before `{id}`.
export const catalogRouter = router({
  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/resources/catalog', tags, summary: 'List assets' } })
    .input(ListCatalogInput)
    .output(CachedAssetPage)
    .query(({ ctx, input }) => catalog.list(ctx, viewer(ctx), input)),

  search: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/resources/catalog/search', tags, summary: 'Full-text search' },
    })
    .input(SearchCatalogInput)
    .output(CachedSearchResult)
    .query(({ ctx, input }) => catalog.search(ctx, viewer(ctx), input)),

  latestByKey: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/resources/catalog/key/{key}/latest',
        tags,
        summary: 'Latest active version',
      },
    })
    .input(LatestByKeyInput)
    .output(Asset)
    .query(({ ctx, input }) => catalog.latestByKey(ctx, input.key)),

  byType: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/resources/assets/{type}', tags, summary: 'Active assets of a type' },
    })
    .input(AssetsByTypeInput)
    .output(AssetPage)
    .query(({ ctx, input }) =>
      catalog.list(ctx, { ...viewer(ctx), role: 'player' }, { ...input, sort: 'name', tagMode: 'any' }),
    ),

  byId: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/resources/catalog/{id}', tags, summary: 'One asset' } })
    .input(AssetIdInput)
    .output(CachedAsset)
    .query(({ ctx, input }) => catalog.get(ctx, viewer(ctx), input.id)),

  versions: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/resources/catalog/{id}/versions', tags, summary: 'All versions' },
    })
    .input(AssetIdInput)
    .output(VersionList)
    .query(({ ctx, input }) => catalog.versions(ctx, viewer(ctx), input.id)),

  diff: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/resources/catalog/{id}/diff/{otherId}',
        tags,
        summary: 'Compare versions',
      },
    })
    .input(DiffInput)
    .output(AssetDiff)
    .query(({ ctx, input }) => catalog.diff(ctx, viewer(ctx), input.id, input.otherId)),

  create: adminProcedure
    .meta({
      openapi: { method: 'POST', path: '/resources/catalog', tags, summary: 'Register a stored GLB (admin)' },
    })
    .input(CreateAssetInput)
    .output(Asset)
    .mutation(({ ctx, input }) => publish.create(publishDeps(ctx), ctx.auth.user.id, input)),

  update: adminProcedure
    .meta({
      openapi: { method: 'PATCH', path: '/resources/catalog/{id}', tags, summary: 'Edit metadata (admin)' },
    })
    .input(UpdateAssetInput)
    .output(Asset)
    .mutation(({ ctx, input }) => catalog.update(ctx, input)),

  deprecate: adminProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/resources/catalog/{id}', tags, summary: 'Deprecate (admin)' },
    })
    .input(DeprecateAssetInput)
    .output(DeprecateResult)
    .mutation(({ ctx, input }) => catalog.deprecate(ctx, input.id, input.replacedBy)),

  createVersion: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/resources/catalog/{id}/version',
        tags,
        summary: 'Next version (admin)',
      },
    })
    .input(CreateVersionInput)
    .output(Asset)
    .mutation(({ ctx, input }) =>
      idempotent(idempotencyFrom(ctx, 'catalog.createVersion'), input, () =>
        publish.createVersion(ctx, ctx.auth.user.id, input),
      ),
    ),
});
