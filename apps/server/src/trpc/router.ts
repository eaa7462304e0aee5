import { authRouter } from '../modules/auth/auth.router.ts';
import { catalogRouter } from '../modules/catalog/catalog.router.ts';
import { usersRouter } from '../modules/users/users.router.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  catalog: catalogRouter,
});

/** The type the web app imports (types only) for its end-to-end typed client. */
export type AppRouter = typeof appRouter;
