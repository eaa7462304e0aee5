import { CSRF_COOKIE, CSRF_HEADER } from '@avatar/contracts/constants';
import type { AppRouter } from '@avatar/server/router';
import { createTRPCClient, httpBatchLink } from '@trpc/client';

function readCookie(name: string): string | undefined {
  for (const pair of document.cookie.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return decodeURIComponent(pair.slice(at + 1).trim());
  }
  return undefined;
}

/**
 * The typed client for the whole API. Only the router's type crosses from the server, so a wrong
 * procedure or field name here is a compile error, and no server code reaches the bundle.
 */
export const api = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: '/trpc',
      // Read on every request: the cookie appears at login and goes at logout. The server checks it on
      // cookie-authenticated mutations (double-submit CSRF).
      headers() {
        const token = readCookie(CSRF_COOKIE);
        return token ? { [CSRF_HEADER]: token } : {};
      },
      fetch: (url, init) => fetch(url, { ...(init as RequestInit), credentials: 'include' }),
    }),
  ],
});
