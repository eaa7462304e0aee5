/** Names shared by server and browser, free of zod so the web app's entry chunk stays small. */

/** Header a cookie-authenticated browser sends with every mutation (double-submit CSRF token). */
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_COOKIE = 'csrf_token';
export const SESSION_COOKIE = 'session';
