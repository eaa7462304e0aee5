import { AvatarConfig, SaveAvatarConfigInput } from '@avatar/contracts';
import { z } from 'zod';
import { authedProcedure, router } from '../../trpc/trpc.ts';
import * as avatars from './avatars.service.ts';

const tags = ['avatars'];

export const avatarsRouter = router({
  config: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/character/config', tags, summary: 'My avatar, resolved' },
    })
    .input(z.void())
    .output(AvatarConfig)
    .query(({ ctx }) => avatars.getConfig(ctx, ctx.auth.user.id)),

  saveConfig: authedProcedure
    .meta({
      openapi: { method: 'PUT', path: '/api/v1/character/config', tags, summary: 'Replace my avatar config' },
    })
    .input(SaveAvatarConfigInput)
    .output(AvatarConfig)
    .mutation(({ ctx, input }) => avatars.saveConfig(ctx, ctx.auth.user.id, input)),
});
