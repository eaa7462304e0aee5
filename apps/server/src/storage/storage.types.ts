import type { Readable } from 'node:stream';

export type { StorageErrorCode } from './storage-error.ts';

export interface PutOptions {
  contentType: string;
  /** Expected hex sha256: stored as metadata up front and verified; a mismatch stores nothing. */
  sha256?: string;
  /** Expected byte count: verified, and lets a too-long stream fail as soon as it overflows. */
  size?: number;
  /** Stored with the object; S3 serves it as is, the files route uses it for non-asset keys. */
  cacheControl?: string;
}

export interface PutResult {
  key: string;
  size: number;
  /** Hex sha256 of the bytes written, computed while they streamed through. */
  sha256: string;
  etag: string;
}

/** Inclusive byte offsets, as in HTTP; `end` past the last byte is clamped. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetOptions {
  range?: ByteRange;
}

export interface GetResult {
  stream: Readable;
  /** Bytes in `stream`: the range's length when a range was asked for. */
  size: number;
  contentType: string;
  etag: string;
  /** Present when a range was asked for; `total` is the whole object's size. */
  contentRange?: { start: number; end: number; total: number };
}

export interface ObjectInfo {
  key: string;
  size: number;
  contentType: string;
  etag: string;
  /** Null when the object was written without one known up front (a large S3 upload, a foreign object). */
  sha256: string | null;
  cacheControl: string | null;
  lastModified: Date;
}

export interface ListOptions {
  /** Opaque: the `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1..1000; default 1000. */
  limit?: number;
}

export interface ListItem {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ListPage {
  items: ListItem[];
  /** Null on the last page. */
  nextCursor: string | null;
}

export interface UrlOptions {
  /** Validity of a signed URL; the driver's default (3600 s) when absent. */
  expiresInSeconds?: number;
  /**
   * The object never changes under this key: the URL is stable across calls for a while (so browsers and
   * CDNs can cache it) and stays valid between `expiresInSeconds` and twice that. Default: keys under `assets/`.
   */
  immutable?: boolean;
}

/** Object storage as the rest of the server sees it; every failure is a `StorageError`. */
export interface AssetStorage {
  readonly kind: 's3' | 'local';
  put(key: string, body: Readable | Buffer, options: PutOptions): Promise<PutResult>;
  /** Throws NOT_FOUND when absent, INVALID_RANGE when the range starts past the end. */
  get(key: string, options?: GetOptions): Promise<GetResult>;
  /** Null when absent. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Succeeds whether or not the object existed. */
  delete(key: string): Promise<void>;
  /** Throws NOT_FOUND when `from` is absent; overwrites `to`. */
  copy(from: string, to: string): Promise<ObjectInfo>;
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** A URL a browser can GET the object from; does not check that the object exists. */
  url(key: string, options?: UrlOptions): Promise<string>;
  /** Resolves when the storage can serve requests; throws UNAVAILABLE (or ACCESS_DENIED) otherwise. */
  ping(): Promise<void>;
}
