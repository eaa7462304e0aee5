import { StorageError } from './storage-error.ts';

/** S3's own limit on key length, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/** Common file-system limit on one path segment, so a key is valid on every driver. */
const MAX_SEGMENT_BYTES = 255;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Why `key` is refused, or null when every driver can store it as is. */
export function keyProblem(key: string): string | null {
  if (typeof key !== 'string' || key.length === 0) return 'must not be empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `must be at most ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/')) return 'must not start with "/"';
  if (key.includes('\\')) return 'must not contain "\\"';
  if (CONTROL_CHARS.test(key)) return 'must not contain control characters';
  // Refused anywhere, not only as a whole segment: no builder makes one, and a path resolver never sees one.
  if (key.includes('..')) return 'must not contain ".."';
  for (const segment of key.split('/')) {
    if (segment === '') return 'must not contain empty segments or end with "/"';
    if (segment === '.') return 'must not contain "." segments';
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
      return `segments must be at most ${MAX_SEGMENT_BYTES} bytes`;
  }
  return null;
}

export function isValidKey(key: string): boolean {
  return keyProblem(key) === null;
}

/** Returns `key` when valid; throws StorageError INVALID_KEY otherwise. */
export function assertValidKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw new StorageError('INVALID_KEY', { detail: `key ${problem}` });
  return key;
}

/** A list prefix may be empty or end with "/", but must otherwise obey the key rules. */
export function assertValidPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  assertValidKey(prefix.endsWith('/') ? `${prefix}x` : prefix);
  return prefix;
}

// Builder inputs are single path segments: a "/" or ".." in a category or id must never reshape the tree.
// No "+" (so no semver build metadata): S3 and CDNs have a history of reading "+" in a path as a space.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function segment(name: string, value: string): string {
  if (!SEGMENT.test(value) || value.includes('..') || Buffer.byteLength(value) > 128) {
    throw new StorageError('INVALID_KEY', { detail: `${name} must be letters, digits, "_", "." or "-"` });
  }
  return value;
}

export interface AssetKeyParts {
  type: string;
  category: string;
  version: string;
  id: string;
}

function assetBase({ type, category, version, id }: AssetKeyParts): string {
  return `assets/${segment('type', type)}/${segment('category', category)}/${segment('version', version)}/${segment('id', id)}`;
}

/** `assets/{type}/{category}/{version}/{id}.glb`: a published version is immutable, a new one is a new key. */
export function assetKey(parts: AssetKeyParts): string {
  return `${assetBase(parts)}.glb`;
}

export function assetThumbnailKey(parts: AssetKeyParts): string {
  return `${assetBase(parts)}.thumb.png`;
}

/** An optimized variant of the asset for one quality preset, stored beside the original. */
export function assetVariantKey(parts: AssetKeyParts, quality: string): string {
  return `${assetBase(parts)}.${segment('quality', quality)}.glb`;
}

/** `exports/{user}/{id}.{ext}`: the user segment lets the retention job and a user deletion sweep by prefix. */
export function exportKey(userId: string, exportId: string, ext: string): string {
  if (!/^[a-z0-9]{1,10}$/.test(ext)) throw new StorageError('INVALID_KEY', { detail: 'ext must be a-z0-9' });
  return `exports/${segment('userId', userId)}/${segment('exportId', exportId)}.${ext}`;
}

/** Published assets never change under their key, so every cache may keep them forever. */
export function isImmutableKey(key: string): boolean {
  return key.startsWith('assets/');
}

/** Encodes each segment for use in a URL path, keeping the slashes. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
