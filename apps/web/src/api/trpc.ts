import { CSRF_COOKIE, CSRF_HEADER } from '@avatar/contracts/constants';
import type { AppRouter } from '@avatar/server/router';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { readCookie } from './cookies.ts';

/** The headers every cookie-authenticated mutation needs (double-submit CSRF); empty when logged out. */
export function csrfHeaders(): Record<string, string> {
  const token = readCookie(CSRF_COOKIE);
  return token ? { [CSRF_HEADER]: token } : {};
}

/**
 * The typed client for the whole API. Only the router's type crosses from the server, so a wrong
 * procedure or field name here is a compile error, and no server code reaches the bundle.
 * Subscriptions (export status) go over server-sent events; everything else is batched over HTTP.
 */
export const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      // Same origin: the session cookie goes with the EventSource request.
      true: httpSubscriptionLink({ url: '/trpc', eventSourceOptions: { withCredentials: true } }),
      false: httpBatchLink({
        url: '/trpc',
        // Read on every request: the cookie appears at login and goes at logout. The server checks it on
        // cookie-authenticated mutations (double-submit CSRF).
        headers: csrfHeaders,
        fetch: (url, init) => fetch(url, { ...(init as RequestInit), credentials: 'include' }),
      }),
    }),
  ],
});
