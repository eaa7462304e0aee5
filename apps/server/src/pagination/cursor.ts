import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../http/errors.ts';

/**
 * Opaque page cursors: the last row's sort values, signed so that a tampered cursor is refused with a
 * clear 400 instead of silently paging somewhere else. `scope` ties a cursor to the query kind it came from.
 */
const sign = (secret: string, body: string) =>
  createHmac('sha256', secret).update(body).digest('base64url').slice(0, 22);

export function encodeCursor(secret: string, scope: string, values: readonly (string | number)[]): string {
  const body = Buffer.from(JSON.stringify([scope, ...values])).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

const invalid = () =>
  new AppError('BAD_REQUEST', 'VALIDATION_FAILED', 'Invalid cursor: start again from the first page');

export function decodeCursor<T extends z.ZodTuple>(
  secret: string,
  scope: string,
  cursor: string,
  shape: T,
): z.infer<T> {
  const [body, signature] = cursor.split('.');
  if (!body || !signature) throw invalid();
  const expected = sign(secret, body);
  if (
    signature.length !== expected.length ||
    !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  ) {
    throw invalid();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString());
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed[0] !== scope) throw invalid();
  const values = shape.safeParse(parsed.slice(1));
  if (!values.success) throw invalid();
  return values.data;
}
