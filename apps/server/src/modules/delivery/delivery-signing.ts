import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed delivery URLs for private avatars: an HMAC over the public id and the expiry, keyed by a key
 * derived from the session secret (so it is never the secret itself). The signature does not cover the
 * parameters: the owner shares the avatar, not one rendition of it. Rotating the public id voids every
 * signed URL made before.
 */
function key(secret: string): Buffer {
  return createHmac('sha256', secret).update('avatar-delivery/v1').digest();
}

export function signDelivery(secret: string, publicId: string, exp: number): string {
  return createHmac('sha256', key(secret)).update(`${publicId}\n${exp}`).digest('base64url');
}

export type DeliverySignatureCheck = 'valid' | 'missing' | 'invalid' | 'expired';

export function verifyDelivery(
  secret: string,
  publicId: string,
  exp: unknown,
  sig: unknown,
  nowMs = Date.now(),
): DeliverySignatureCheck {
  if (exp === undefined && sig === undefined) return 'missing';
  if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(exp)) return 'invalid';
  const expected = Buffer.from(signDelivery(secret, publicId, Number(exp)));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return Number(exp) * 1000 <= nowMs ? 'expired' : 'valid';
}
