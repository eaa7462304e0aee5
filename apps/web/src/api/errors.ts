import type { AppRouter } from '@avatar/server/router';
import { isTRPCClientError } from '@trpc/client';

/** True when the server said "no session" (401): the caller is simply logged out. */
export function isUnauthorized(error: unknown): boolean {
  return isTRPCClientError<AppRouter>(error) && error.data?.httpStatus === 401;
}

/**
 * A sentence a person can read. The server's error formatter only ever sends safe messages, so those
 * are shown as they are; anything else (network down, a proxy's HTML page) gets a generic sentence
 * instead of a parser error.
 */
export function humanMessage(error: unknown): string {
  if (isTRPCClientError<AppRouter>(error)) {
    if (error.data) return error.message;
    return "Can't reach the server. Check your connection and try again.";
  }
  return 'Something went wrong. Try again.';
}
