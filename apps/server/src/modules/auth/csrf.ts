import { timingSafeEqual } from 'node:crypto';
import { CSRF_HEADER } from '@avatar/contracts';
import type { Request } from 'express';
import type { Config } from '../../config/config.ts';
import { AppError } from '../../http/errors.ts';
import type { AuthenticatedUser } from './auth.service.ts';
import { csrfTokenFor } from './tokens.ts';

/**
 * Double-submit check for cookie-authenticated mutations. A bearer token is never sent by a browser on
 * its own, so requests authenticated that way need no CSRF token.
 */
export function assertCsrf(config: Config, auth: AuthenticatedUser, req: Request): void {
  if (auth.via !== 'cookie') return;
  const sent = req.get(CSRF_HEADER) ?? '';
  const expected = csrfTokenFor(config.SESSION_SECRET, auth.token);
  const ok = sent.length === expected.length && timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
  if (!ok) {
    throw new AppError('FORBIDDEN', 'CSRF_FAILED', `Missing or wrong ${CSRF_HEADER} header; reload the page`);
  }
}
