import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListItem, ListOptions, ListPage } from './storage.types.ts';
import { fromSystemError } from './storage-error.ts';

const MAX_PAGE = 1000;

/**
 * One page of the files under `objectsDir` whose key starts with `prefix`, in S3's order. The whole match set
 * is sorted (not each directory on its own) because "a-b" sorts before "a/b"; fine for the dev-scale trees
 * this driver serves. The cursor is the last key returned, so pages stay stable while files come and go.
 */
export async function listFiles(objectsDir: string, prefix: string, options: ListOptions): Promise<ListPage> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? MAX_PAGE), 1), MAX_PAGE);
  const after = options.cursor ? Buffer.from(options.cursor, 'base64url').toString() : undefined;
  const dirKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
  const keys: string[] = [];
  try {
    await walk(objectsDir, dirKey, prefix, (key) => {
      if (key.startsWith(prefix) && (after === undefined || key > after)) keys.push(key);
    });
  } catch (error) {
    throw fromSystemError(error);
  }
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const page = keys.slice(0, limit);
  const items: ListItem[] = [];
  for (const key of page) {
    // A file deleted since the walk is simply left out.
    const found = await stat(join(objectsDir, ...key.split('/'))).catch(() => null);
    if (found?.isFile()) items.push({ key, size: found.size, lastModified: found.mtime });
  }
  const last = page[page.length - 1];
  const nextCursor =
    keys.length > limit && last !== undefined ? Buffer.from(last).toString('base64url') : null;
  return { items, nextCursor };
}

async function walk(
  root: string,
  dirKey: string,
  prefix: string,
  visit: (key: string) => void,
): Promise<void> {
  const dir = dirKey === '' ? root : join(root, ...dirKey.split('/'));
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    if (fromSystemError(error).code === 'NOT_FOUND') return [];
    throw error;
  });
  for (const entry of entries) {
    const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
    if (entry.isFile()) visit(key);
    else if (entry.isDirectory() && (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`))) {
      await walk(root, key, prefix, visit);
    }
  }
}
