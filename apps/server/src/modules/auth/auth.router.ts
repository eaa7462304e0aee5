import { LoginInput, LoginResult, User } from '@avatar/contracts';
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../../trpc/trpc.ts';
import * as auth from './auth.service.ts';

export const authRouter = router({
  login: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/auth/login',
        tags: ['auth'],
        protect: false,
        summary: 'Log in',
      },
    })
    .input(LoginInput)
    .output(LoginResult)
    .mutation(async ({ ctx, input }) => {
      const result = await auth.login(ctx, input, ctx.req.ip ?? 'unknown');
      auth.setSessionCookies(ctx.config, ctx.res, result);
      return result;
    }),

  logout: authedProcedure
    .meta({
      openapi: { method: 'POST', path: '/api/v1/auth/logout', tags: ['auth'], summary: 'End this session' },
    })
    .input(z.void())
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      await auth.logout(ctx, ctx.auth);
      auth.clearSessionCookies(ctx.config, ctx.res);
      return { ok: true as const };
    }),

  me: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/auth/me', tags: ['auth'], summary: 'Who is logged in' },
    })
    .input(z.void())
    .output(User)
    .query(({ ctx }) => ctx.auth.user),
});
