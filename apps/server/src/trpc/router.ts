import { authRouter } from '../modules/auth/auth.router.ts';
import { usersRouter } from '../modules/users/users.router.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
});

/** The type the web app imports (types only) for its end-to-end typed client. */
export type AppRouter = typeof appRouter;
