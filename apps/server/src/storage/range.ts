import type { ByteRange } from './storage.types.ts';
import { StorageError } from './storage-error.ts';

/** Clamps a requested range to an object of `total` bytes; throws INVALID_RANGE when nothing is left. */
export function resolveRange(range: ByteRange, total: number): { start: number; end: number } {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && !Number.isSafeInteger(end))) {
    throw new StorageError('INVALID_RANGE');
  }
  const last = Math.min(end ?? total - 1, total - 1);
  if (start >= total || last < start) throw new StorageError('INVALID_RANGE');
  return { start, end: last };
}

/**
 * Reads an HTTP `Range` header against an object of `total` bytes (RFC 9110 14.2). Null means "ignore it and
 * send the whole object", which the RFC allows for anything but one plain byte range (multi-range included).
 */
export function parseRangeHeader(
  header: string | undefined,
  total: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return null;
  if (from === '') {
    // Suffix form: the last N bytes.
    const length = Number(to);
    if (length === 0 || total === 0) return 'unsatisfiable';
    return { start: Math.max(0, total - length), end: total - 1 };
  }
  const start = Number(from);
  const end = to === '' ? total - 1 : Math.min(Number(to), total - 1);
  if (to !== '' && Number(to) < start) return null;
  if (start >= total) return 'unsatisfiable';
  return { start, end };
}
