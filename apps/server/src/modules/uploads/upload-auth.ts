import type { Request } from 'express';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import { type AuthenticatedUser, resolveSession } from '../auth/auth.service.ts';
import { assertCsrf } from '../auth/csrf.ts';

/** The checks `adminProcedure` makes, for the upload routes outside tRPC: session, CSRF, admin role. */
export async function requireAdmin(
  deps: { config: Config; db: Db },
  req: Request,
): Promise<AuthenticatedUser> {
  const auth = await resolveSession(deps, req);
  if (!auth) throw new AppError('UNAUTHORIZED', 'SESSION_REQUIRED', 'Log in to continue');
  assertCsrf(deps.config, auth, req);
  if (auth.user.role !== 'admin') throw new AppError('FORBIDDEN', 'ADMIN_ONLY', 'Only an admin can do this');
  return auth;
}
