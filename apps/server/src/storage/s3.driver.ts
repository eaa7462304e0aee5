import type { Readable } from 'node:stream';
import { type Client, CopyDestinationOptions, CopySourceOptions } from 'minio';
import { assertValidKey, assertValidPrefix, encodeKeyPath, isImmutableKey } from './keys.ts';
import { createS3Client } from './s3-client.ts';
import { fromS3Error } from './s3-errors.ts';
import { uploadObject } from './s3-upload.ts';
import type {
  AssetStorage,
  GetOptions,
  GetResult,
  ListOptions,
  ListPage,
  ObjectInfo,
  PutOptions,
  PutResult,
  UrlOptions,
} from './storage.types.ts';
import { StorageError } from './storage-error.ts';
import { DEFAULT_URL_EXPIRY_SECONDS, signingWindow } from './url-signing.ts';

export interface S3DriverOptions {
  /** `http(s)://host[:port]` of MinIO or S3, e.g. `https://s3.eu-west-1.amazonaws.com`. */
  endpoint: string;
  /** Default `us-east-1` (what MinIO answers unless configured otherwise). */
  region?: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** Default true: `host/bucket/key` works on MinIO and S3 alike without DNS per bucket. */
  pathStyle?: boolean;
  /** When set, keys under `assets/` get `${cdnUrl}/${key}` instead of a presigned URL. */
  cdnUrl?: string;
  defaultExpiresInSeconds?: number;
  /** Socket idle limit, connect included; default 30 s. An unreachable endpoint fails within it. */
  requestTimeoutMs?: number;
  /** Bytes held in memory per upload before a multipart part is sent; default 16 MiB, at least 5 MiB. */
  partSize?: number;
  /** Clock for presigning; tests move it to mint expired URLs. */
  now?: () => number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's ceiling on a presigned URL's validity. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** MinIO or AWS S3 through the `minio` client; one bucket. */
export class S3Driver implements AssetStorage {
  readonly kind = 's3' as const;
  readonly bucket: string;
  private readonly client: Client;
  private readonly region: string;
  private readonly cdnUrl: string | undefined;
  private readonly defaultExpiry: number;
  private readonly partSize: number;
  private readonly now: () => number;

  constructor(options: S3DriverOptions) {
    this.bucket = options.bucket;
    this.region = options.region ?? 'us-east-1';
    this.cdnUrl = options.cdnUrl?.replace(/\/+$/, '');
    this.defaultExpiry = options.defaultExpiresInSeconds ?? DEFAULT_URL_EXPIRY_SECONDS;
    this.partSize = Math.max(options.partSize ?? 16 * 1024 * 1024, MIN_PART_SIZE);
    this.now = options.now ?? Date.now;
    this.client = createS3Client({
      endpoint: options.endpoint,
      region: this.region,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      pathStyle: options.pathStyle ?? true,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    });
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions): Promise<PutResult> {
    assertValidKey(key);
    return uploadObject(this.client, this.bucket, key, body, options, this.partSize);
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    assertValidKey(key);
    const headers: Record<string, string> = {};
    const { range } = options;
    if (range) {
      const { start, end } = range;
      const badEnd = end !== undefined && (!Number.isSafeInteger(end) || end < start);
      if (!Number.isSafeInteger(start) || start < 0 || badEnd) throw new StorageError('INVALID_RANGE');
      headers.Range = `bytes=${start}-${end ?? ''}`;
    }
    try {
      // One request for bytes and headers: a separate stat could describe a different version.
      const res = await this.client.makeRequestAsync(
        { method: 'GET', bucketName: this.bucket, objectName: key, headers },
        '',
        [200, 206],
      );
      const size = Number(res.headers['content-length']);
      const contentRange = parseContentRange(res.headers['content-range']);
      return {
        stream: res,
        size,
        contentType: res.headers['content-type'] ?? 'application/octet-stream',
        etag: unquote(res.headers.etag),
        ...(contentRange ? { contentRange } : {}),
      };
    } catch (error) {
      throw fromS3Error(error);
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    try {
      const stat = await this.client.statObject(this.bucket, key);
      const meta = lowerKeys(stat.metaData);
      return {
        key,
        size: stat.size,
        contentType: meta['content-type'] ?? 'application/octet-stream',
        etag: unquote(stat.etag),
        sha256: meta.sha256 ?? null,
        cacheControl: meta['cache-control'] ?? null,
        lastModified: stat.lastModified,
      };
    } catch (error) {
      const translated = fromS3Error(error);
      if (translated.code === 'NOT_FOUND') return null;
      throw translated;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (error) {
      const translated = fromS3Error(error);
      if (translated.code !== 'NOT_FOUND') throw translated;
    }
  }

  async copy(from: string, to: string): Promise<ObjectInfo> {
    assertValidKey(from);
    assertValidKey(to);
    // S3 refuses to copy an object onto itself unchanged; the local driver treats it as a no-op, so do we.
    if (from === to) {
      const same = await this.head(from);
      if (!same) throw new StorageError('NOT_FOUND');
      return same;
    }
    try {
      await this.client.copyObject(
        new CopySourceOptions({ Bucket: this.bucket, Object: from }),
        new CopyDestinationOptions({ Bucket: this.bucket, Object: to }),
      );
    } catch (error) {
      throw fromS3Error(error);
    }
    const copied = await this.head(to);
    if (!copied) throw new StorageError('NOT_FOUND');
    return copied;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    assertValidPrefix(prefix);
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 1000), 1), 1000);
    const after = options.cursor ? Buffer.from(options.cursor, 'base64url').toString() : '';
    try {
      // ListObjects v1 with a key marker, not v2's continuation token: the cursor is then the last key, as
      // in the local driver, and s3rver (whose v2 tokens need DES, gone from OpenSSL 3) can page too.
      const page = await this.client.listObjectsQuery(this.bucket, prefix, after, {
        Delimiter: '',
        MaxKeys: limit,
      });
      const items = page.objects.flatMap((o) =>
        o.name ? [{ key: o.name, size: o.size ?? 0, lastModified: o.lastModified ?? new Date(0) }] : [],
      );
      const last = items[items.length - 1];
      const nextCursor = page.isTruncated && last ? Buffer.from(last.key).toString('base64url') : null;
      return { items, nextCursor };
    } catch (error) {
      throw fromS3Error(error);
    }
  }

  async url(key: string, options: UrlOptions = {}): Promise<string> {
    assertValidKey(key);
    // The CDN is public and unsigned, so only objects anyone may read (published assets) go through it.
    if (this.cdnUrl && isImmutableKey(key)) return `${this.cdnUrl}/${encodeKeyPath(key)}`;
    const immutable = options.immutable ?? isImmutableKey(key);
    const wanted = options.expiresInSeconds ?? this.defaultExpiry;
    const seconds = Math.min(wanted, immutable ? MAX_PRESIGN_SECONDS / 2 : MAX_PRESIGN_SECONDS);
    const { issuedAt, expiresAt } = signingWindow(this.now(), seconds, immutable);
    const respHeaders: Record<string, string> = immutable
      ? { 'response-cache-control': IMMUTABLE_CACHE_CONTROL }
      : {};
    try {
      return await this.client.presignedGetObject(
        this.bucket,
        key,
        expiresAt - issuedAt,
        respHeaders,
        new Date(issuedAt * 1000),
      );
    } catch (error) {
      throw fromS3Error(error);
    }
  }

  async ping(): Promise<void> {
    let exists: boolean;
    try {
      exists = await this.client.bucketExists(this.bucket);
    } catch (error) {
      throw new StorageError('UNAVAILABLE', { cause: error });
    }
    if (!exists) throw new StorageError('UNAVAILABLE', { detail: 'the bucket does not exist' });
  }

  /** Creates the bucket when missing (dev, tests); production buckets come from infrastructure code. */
  async ensureBucket(): Promise<void> {
    try {
      if (await this.client.bucketExists(this.bucket)) return;
      await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return;
      throw fromS3Error(error);
    }
  }
}

function parseContentRange(header: string | undefined): GetResult['contentRange'] {
  const match = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header) : null;
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: Number(match[3]) };
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"+|"+$/g, '');
}

function lowerKeys(meta: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(meta)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}
