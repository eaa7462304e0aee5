import {
  AssetUrl,
  AssetUrlInput,
  CompleteUploadInput,
  InitUploadInput,
  InitUploadResult,
  UploadResult,
} from '@avatar/contracts';
import { adminProcedure, authedProcedure, router } from '../../trpc/trpc.ts';
import { idempotencyFrom, idempotent } from '../integrity/idempotency.ts';
import { assetUrl } from './asset-url.ts';
import { completeUpload, initUpload } from './direct-upload.ts';

const tags = ['uploads'];

/** The JSON side of uploads; the multipart and PUT routes are in uploads.route.ts. */
export const uploadsRouter = router({
  init: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/resources/upload/init',
        tags,
        summary: 'Start a direct upload (admin)',
      },
    })
    .input(InitUploadInput)
    .output(InitUploadResult)
    .mutation(({ ctx, input }) => initUpload(ctx, ctx.auth.user.id, input)),

  complete: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/resources/upload/complete',
        tags,
        summary: 'Finish a direct upload (admin)',
      },
    })
    .input(CompleteUploadInput)
    .output(UploadResult)
    .mutation(({ ctx, input }) =>
      idempotent(idempotencyFrom(ctx, 'upload.complete'), input, () =>
        completeUpload(ctx, ctx.auth.user.id, input),
      ),
    ),

  // `/resources/assets/{type}` (catalog) has one segment less, so the two never match the same path.
  assetUrl: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/resources/assets/{id}/url',
        tags,
        summary: 'URL of an asset file or variant',
      },
    })
    .input(AssetUrlInput)
    .output(AssetUrl)
    .query(({ ctx, input }) => assetUrl(ctx, ctx.auth.user, input)),
});
