import type { Document } from '@gltf-transform/core';
import { cloneDocument } from '@gltf-transform/functions';

export interface StillDocumentCacheOptions {
  /** Total size of the cached objects' files, in bytes: the least recently used go beyond it. */
  maxBytes: number;
}

export const STILL_DOCUMENT_CACHE_DEFAULTS: Readonly<StillDocumentCacheOptions> = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
});

/**
 * Catalog objects already parsed, stripped of their animations, for the exports that draw a still
 * image without a pose (PNG, JPG). A published object never changes under its key, so the parse is
 * done once per process instead of once per export; each caller gets a copy of its own to compose into.
 * Only stripped documents are worth keeping: copying one with its keyframes costs as much as parsing it
 * again (the Fox's animations make it 16 ms either way; without them, a copy takes 4 ms).
 *
 * Memory of this process only: another process parses for itself, so nothing is lost on a restart.
 */
export class StillDocumentCache {
  private readonly options: StillDocumentCacheOptions;
  /** In use order, the least recent first. */
  private readonly entries = new Map<string, { document: Document; bytes: number }>();
  private total = 0;

  constructor(options: Partial<StillDocumentCacheOptions> = {}) {
    this.options = { ...STILL_DOCUMENT_CACHE_DEFAULTS, ...options };
  }

  /** The cache key of a stored object: its key, and the content hash the catalog recorded for it. */
  static keyOf(storageKey: string, sha256: string | null): string {
    return `${storageKey}\n${sha256 ?? ''}`;
  }

  /** A copy of the document cached under `key`, or null. */
  get(key: string): Document | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return cloneDocument(entry.document);
  }

  /**
   * Keeps `document` (already stripped; the cache owns it from now on, so the caller must not change
   * it) and answers a copy of it. `bytes` is the size of the file it was read from.
   */
  put(key: string, document: Document, bytes: number): Document {
    const copy = cloneDocument(document);
    if (bytes > this.options.maxBytes) return copy;
    const previous = this.entries.get(key);
    if (previous) {
      this.entries.delete(key);
      this.total -= previous.bytes;
    }
    this.entries.set(key, { document, bytes });
    this.total += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.options.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= entry.bytes;
    }
    return copy;
  }

  get size(): number {
    return this.entries.size;
  }
}
