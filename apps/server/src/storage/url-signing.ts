import { createHmac, timingSafeEqual } from 'node:crypto';
import { StorageError } from './storage-error.ts';

export const DEFAULT_URL_EXPIRY_SECONDS = 3600;

export type SignatureCheck = 'valid' | 'expired' | 'invalid';

/** The HMAC covers a version tag, the key and the expiry, so neither can be swapped onto another URL. */
export function signFileUrl(secret: string | Buffer, key: string, exp: number): string {
  return createHmac('sha256', secret).update(`files/v1\n${key}\n${exp}`).digest('base64url');
}

/** Checks `sig` for `key` and `exp` (unix seconds) in constant time; the expiry is checked after the MAC. */
export function verifyFileUrl(
  secret: string | Buffer,
  key: string,
  exp: string | number | undefined,
  sig: string | undefined,
  nowMs: number = Date.now(),
): SignatureCheck {
  const expNumber = typeof exp === 'number' ? exp : /^\d{1,12}$/.test(exp ?? '') ? Number(exp) : Number.NaN;
  if (!Number.isSafeInteger(expNumber) || typeof sig !== 'string' || sig.length === 0) return 'invalid';
  const expected = Buffer.from(signFileUrl(secret, key, expNumber));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return expNumber * 1000 <= nowMs ? 'expired' : 'valid';
}

/**
 * When a signed URL is issued and when it expires. An immutable object gets a URL that stays the same for a
 * whole window of `expiresInSeconds` (issued at the window's start, valid for two windows), so a browser or
 * CDN caching by URL keeps hitting; the caller still gets at least `expiresInSeconds` of validity.
 */
export function signingWindow(
  nowMs: number,
  expiresInSeconds: number,
  immutable: boolean,
): { issuedAt: number; expiresAt: number } {
  if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds <= 0) {
    throw new StorageError('INTERNAL', { detail: 'expiresInSeconds must be a positive integer' });
  }
  const now = Math.floor(nowMs / 1000);
  if (!immutable) return { issuedAt: now, expiresAt: now + expiresInSeconds };
  const issuedAt = Math.floor(now / expiresInSeconds) * expiresInSeconds;
  return { issuedAt, expiresAt: issuedAt + 2 * expiresInSeconds };
}
