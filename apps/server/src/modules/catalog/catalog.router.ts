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
import { hotRead } from '../../http/hot-reads.ts';
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

/**
 * The reads players repeat most, also answered before Express (`http/hot-reads.ts`); their procedures
 * below are built from the same fields. The catalog service keeps their answers in memory and answers
 * the same objects again, so each output is checked once (`checkedOnce`).
 */
export const catalogHotReads = {
  list: hotRead({
    path: '/resources/catalog',
    input: ListCatalogInput,
    output: checkedOnce(AssetPage),
    read: (deps, user, input) => catalog.list(deps, user, input),
  }),
  search: hotRead({
    path: '/resources/catalog/search',
    input: SearchCatalogInput,
    output: checkedOnce(SearchResult),
    read: (deps, user, input) => catalog.search(deps, user, input),
  }),
  // What the editor offers for one slot: active assets only, whoever asks, by name.
  byType: hotRead({
    path: '/resources/assets/{type}',
    input: AssetsByTypeInput,
    output: checkedOnce(AssetPage),
    read: (deps, user, input) =>
      catalog.list(deps, { ...user, role: 'player' }, { ...input, sort: 'name', tagMode: 'any' }),
  }),
  byId: hotRead({
    path: '/resources/catalog/{id}',
    input: AssetIdInput,
    output: checkedOnce(Asset),
    read: (deps, user, input) => catalog.get(deps, user, input.id),
  }),
};
const hot = catalogHotReads;

// Order matters for REST: fixed paths (search, key/...) come before `{id}`.
export const catalogRouter = router({
  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: hot.list.path, tags, summary: 'List assets' } })
    .input(hot.list.input)
    .output(hot.list.output)
    .query(({ ctx, input }) => hot.list.read(ctx, viewer(ctx), input)),

  search: authedProcedure
    .meta({ openapi: { method: 'GET', path: hot.search.path, tags, summary: 'Full-text search' } })
    .input(hot.search.input)
    .output(hot.search.output)
    .query(({ ctx, input }) => hot.search.read(ctx, viewer(ctx), input)),

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
    .meta({ openapi: { method: 'GET', path: hot.byType.path, tags, summary: 'Active assets of a type' } })
    .input(hot.byType.input)
    .output(hot.byType.output)
    .query(({ ctx, input }) => hot.byType.read(ctx, viewer(ctx), input)),

  byId: authedProcedure
    .meta({ openapi: { method: 'GET', path: hot.byId.path, tags, summary: 'One asset' } })
    .input(hot.byId.input)
    .output(hot.byId.output)
    .query(({ ctx, input }) => hot.byId.read(ctx, viewer(ctx), input)),

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
