import { createHash, createHmac, randomBytes } from 'node:crypto';

/** Session tokens are random; only their hash is stored, so a database leak does not leak sessions. */
export const newSessionToken = (): string => randomBytes(32).toString('base64url');

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** The CSRF token is bound to the session: a page on another origin can neither read nor derive it. */
export const csrfTokenFor = (secret: string, sessionToken: string): string =>
  createHmac('sha256', secret).update(`csrf:${sessionToken}`).digest('base64url');
