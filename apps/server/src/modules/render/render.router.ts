import { RenderInput, RenderOutput } from '@avatar/contracts';
import { authedProcedure, router } from '../../trpc/trpc.ts';
import { renderForUser } from './render.api.ts';

export const renderRouter = router({
  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/render',
        tags: ['render'],
        summary: 'Render my avatar or a catalog asset as a PNG or JPG (answers a URL to the image)',
      },
    })
    .input(RenderInput)
    .output(RenderOutput)
    .mutation(({ ctx, input }) => renderForUser(ctx, ctx.auth.user.id, input)),
});
