import { CreateUserInput, ListUsersInput, SetRoleInput, User, UserPage } from '@avatar/contracts';
import { adminProcedure, router } from '../../trpc/trpc.ts';
import * as auth from '../auth/auth.service.ts';

export const usersRouter = router({
  list: adminProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/users', tags: ['users'], summary: 'List users (admin)' },
    })
    .input(ListUsersInput)
    .output(UserPage)
    .query(({ ctx, input }) => auth.listUsers(ctx, input.limit, input.cursor)),

  create: adminProcedure
    .meta({
      openapi: { method: 'POST', path: '/api/v1/users', tags: ['users'], summary: 'Create a user (admin)' },
    })
    .input(CreateUserInput)
    .output(User)
    .mutation(({ ctx, input }) => auth.createUser(ctx, input)),

  setRole: adminProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/api/v1/users/{id}/role',
        tags: ['users'],
        summary: 'Change a role (admin)',
      },
    })
    .input(SetRoleInput)
    .output(User)
    .mutation(({ ctx, input }) => auth.setRole(ctx, input.id, input.role)),
});
