import { authRouter } from '../modules/auth/auth.router.ts';
import { avatarsRouter } from '../modules/avatars/avatars.router.ts';
import { catalogRouter } from '../modules/catalog/catalog.router.ts';
import { deliveryRouter } from '../modules/delivery/delivery.router.ts';
import { exportsRouter } from '../modules/exports/exports.router.ts';
import { integrityRouter } from '../modules/integrity/integrity.router.ts';
import { renderRouter } from '../modules/render/render.router.ts';
import { uploadsRouter } from '../modules/uploads/uploads.router.ts';
import { usersRouter } from '../modules/users/users.router.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  catalog: catalogRouter,
  avatars: avatarsRouter,
  exports: exportsRouter,
  uploads: uploadsRouter,
  render: renderRouter,
  integrity: integrityRouter,
  delivery: deliveryRouter,
});

/** The type the web app imports (types only) for its end-to-end typed client. */
export type AppRouter = typeof appRouter;
