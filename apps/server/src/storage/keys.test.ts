import { describe, expect, it } from 'vitest';
import {
  assertValidKey,
  assetKey,
  assetThumbnailKey,
  assetVariantKey,
  encodeKeyPath,
  exportKey,
  isImmutableKey,
  keyProblem,
} from './keys.ts';
import { parseRangeHeader, resolveRange } from './range.ts';
import { fromSystemError, StorageError } from './storage-error.ts';
import { signFileUrl, signingWindow, verifyFileUrl } from './url-signing.ts';

const parts = { type: 'hair', category: 'short', version: '1.2.0', id: 'a1b2' };

describe('key builders', () => {
  it('lay out assets, their thumbnails and variants side by side', () => {
    expect(assetKey(parts)).toBe('assets/hair/short/1.2.0/a1b2.glb');
    expect(assetThumbnailKey(parts)).toBe('assets/hair/short/1.2.0/a1b2.thumb.png');
    expect(assetVariantKey(parts, 'low')).toBe('assets/hair/short/1.2.0/a1b2.low.glb');
    expect(exportKey('u-1', 'e-9', 'glb')).toBe('exports/u-1/e-9.glb');
    expect(isImmutableKey(assetKey(parts))).toBe(true);
    expect(isImmutableKey(exportKey('u', 'e', 'png'))).toBe(false);
  });

  it('refuse segments that would reshape the tree', () => {
    for (const bad of ['a/b', '..', '.hidden', '', 'x y', 'a\\b', '1.0.0+build']) {
      expect(() => assetKey({ ...parts, category: bad })).toThrow(StorageError);
    }
    expect(() => exportKey('u', 'e', 'GL B')).toThrow(StorageError);
    expect(() => exportKey('../u', 'e', 'glb')).toThrow(StorageError);
  });
});

describe('key validation', () => {
  it('accepts ordinary keys and refuses traversal, absolute paths, backslashes and control characters', () => {
    expect(assertValidKey('assets/a/b.glb')).toBe('assets/a/b.glb');
    for (const bad of [
      '..',
      'a/../b',
      'a/..',
      '/a',
      'a\\b',
      'a\nb',
      'a\u007fb',
      'a//b',
      'a/',
      '',
      'x'.repeat(1025),
    ]) {
      expect(keyProblem(bad), JSON.stringify(bad)).not.toBeNull();
      expect(() => assertValidKey(bad)).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
    }
  });

  it('encodes keys for URLs segment by segment', () => {
    expect(encodeKeyPath('a b/c#d.glb')).toBe('a%20b/c%23d.glb');
  });
});

describe('ranges', () => {
  it('resolve against the object size', () => {
    expect(resolveRange({ start: 0 }, 10)).toEqual({ start: 0, end: 9 });
    expect(resolveRange({ start: 3, end: 99 }, 10)).toEqual({ start: 3, end: 9 });
    expect(() => resolveRange({ start: 0 }, 0)).toThrow(expect.objectContaining({ code: 'INVALID_RANGE' }));
  });

  it('parse HTTP Range headers, ignoring what the RFC lets a server ignore', () => {
    expect(parseRangeHeader('bytes=0-0', 5)).toEqual({ start: 0, end: 0 });
    expect(parseRangeHeader('bytes=-2', 5)).toEqual({ start: 3, end: 4 });
    expect(parseRangeHeader('bytes=-10', 5)).toEqual({ start: 0, end: 4 });
    expect(parseRangeHeader('bytes=5-', 5)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=-0', 5)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=3-1', 5)).toBeNull();
    expect(parseRangeHeader('bytes=0-1,3-4', 5)).toBeNull();
    expect(parseRangeHeader('items=0-1', 5)).toBeNull();
    expect(parseRangeHeader(undefined, 5)).toBeNull();
  });
});

describe('URL signing', () => {
  const secret = 'a-secret-of-sufficient-length';

  it('verifies its own signatures and nothing else', () => {
    const exp = 2_000_000_000;
    const sig = signFileUrl(secret, 'a/b.glb', exp);
    expect(verifyFileUrl(secret, 'a/b.glb', String(exp), sig, 0)).toBe('valid');
    expect(verifyFileUrl(secret, 'a/c.glb', String(exp), sig, 0)).toBe('invalid');
    expect(verifyFileUrl(secret, 'a/b.glb', String(exp + 1), sig, 0)).toBe('invalid');
    expect(verifyFileUrl('another-secret-entirely', 'a/b.glb', String(exp), sig, 0)).toBe('invalid');
    expect(verifyFileUrl(secret, 'a/b.glb', '1e10', sig, 0)).toBe('invalid');
    expect(verifyFileUrl(secret, 'a/b.glb', String(exp), sig, exp * 1000)).toBe('expired');
  });

  it('keeps immutable URLs stable within a window and valid for at least the asked time', () => {
    const a = signingWindow(1_000_000_000, 3600, true);
    const b = signingWindow(1_000_000_000 + 500_000, 3600, true);
    expect(a).toEqual(b);
    for (const now of [a.issuedAt * 1000, (a.issuedAt + 3599) * 1000]) {
      const w = signingWindow(now, 3600, true);
      expect(w.expiresAt - now / 1000).toBeGreaterThanOrEqual(3600);
    }
    expect(signingWindow(1_000_000_000, 60, false)).toEqual({ issuedAt: 1_000_000, expiresAt: 1_000_060 });
  });
});

describe('system error translation', () => {
  it('maps disk and network failures to the closed codes, keeping the cause out of the message', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const translated = fromSystemError(enospc, 'write');
    expect(translated.code).toBe('NO_SPACE');
    expect(translated.message).not.toContain('ENOSPC');
    expect(translated.cause).toBe(enospc);
    expect(fromSystemError(Object.assign(new Error(), { code: 'ECONNREFUSED' })).code).toBe('UNAVAILABLE');
    expect(fromSystemError(Object.assign(new Error(), { code: 'ENOENT' })).code).toBe('NOT_FOUND');
    expect(fromSystemError(new Error('weird')).code).toBe('INTERNAL');
  });
});
