import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { constants, createReadStream, close as fsClose, fstat as fsFstat, open as fsOpen } from 'node:fs';
import { access, type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { finished, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import { consumeBody, SourceFailed, verifyConsumed } from './consume-body.ts';
import { assertValidKey, assertValidPrefix, encodeKeyPath, isImmutableKey } from './keys.ts';
import { listFiles } from './local-list.ts';
import {
  contentTypeFor,
  hashDescriptor,
  hashHandle,
  readSidecar,
  replaceSidecar,
  type Sidecar,
  sidecarMatches,
  syncDirectory,
  writeFileSynced,
  writeFully,
} from './local-metadata.ts';
import { resolveRange } from './range.ts';
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
import { fromSystemError, StorageError } from './storage-error.ts';
import {
  DEFAULT_URL_EXPIRY_SECONDS,
  type SignatureCheck,
  signFileUrl,
  signingWindow,
  verifyFileUrl,
} from './url-signing.ts';

export interface LocalDriverOptions {
  /** Directory holding `objects/`, `meta/` (sidecars) and `tmp/` (writes in progress). */
  root: string;
  /** Origin (and optional base path) the files router is reachable at, e.g. `http://127.0.0.1:3000`. */
  publicBaseUrl: string;
  /** HMAC key for `/files` URLs; at least 16 bytes. */
  signingSecret: string | Buffer;
  defaultExpiresInSeconds?: number;
  /** Clock for signing; tests move it to mint expired URLs. */
  now?: () => number;
}

export interface ServedObject {
  info: ObjectInfo;
  read: (range?: { start: number; end: number }) => Readable;
  close: () => Promise<void>;
}

const SIDECAR_CACHE_ENTRIES = 2_000;

interface Opened {
  handle: FileHandle;
  stat: Stats;
  info: ObjectInfo;
}

/** Objects as files under a root directory; what `make dev` uses when no S3 server is around. */
export class LocalDriver implements AssetStorage {
  readonly kind = 'local' as const;
  private readonly objectsDir: string;
  private readonly metaDir: string;
  private readonly tmpDir: string;
  private readonly baseUrl: string;
  private readonly secret: string | Buffer;
  private readonly defaultExpiry: number;
  private readonly now: () => number;
  /**
   * Sidecars read recently, so serving a hot object costs no sidecar read. An entry is used only while the
   * object file's size and mtime still match it (as the sidecar on disk is), so a write by another process
   * is noticed; this process's own writes and deletes drop their entry.
   */
  private readonly sidecars = new Map<string, Sidecar>();

  constructor(options: LocalDriverOptions) {
    if (Buffer.byteLength(options.signingSecret) < 16) {
      throw new StorageError('INTERNAL', { detail: 'the local signing secret must be at least 16 bytes' });
    }
    const root = resolve(options.root);
    this.objectsDir = join(root, 'objects');
    this.metaDir = join(root, 'meta');
    this.tmpDir = join(root, 'tmp');
    this.baseUrl = options.publicBaseUrl.replace(/\/+$/, '');
    this.secret = options.signingSecret;
    this.defaultExpiry = options.defaultExpiresInSeconds ?? DEFAULT_URL_EXPIRY_SECONDS;
    this.now = options.now ?? Date.now;
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions): Promise<PutResult> {
    this.sidecars.delete(key);
    assertValidKey(key);
    // Temp files live in the same tree (same file system), so the final rename is atomic: a reader or a
    // crash sees the old object or the whole new one, never a truncated file.
    const tmp = join(this.tmpDir, `${randomUUID()}.part`);
    const tmpMeta = `${tmp}.json`;
    let handle: FileHandle | undefined;
    try {
      await mkdir(this.tmpDir, { recursive: true });
      const file = await open(tmp, 'wx', 0o644);
      handle = file;
      const consumed = await consumeBody(body, options.size, (chunk) => writeFully(file, chunk));
      verifyConsumed(consumed, options);
      await file.sync();
      const { size, mtimeMs } = await file.stat();
      await file.close();
      handle = undefined;
      const sidecar: Sidecar = {
        contentType: options.contentType,
        sha256: consumed.sha256,
        size,
        mtimeMs,
        cacheControl: options.cacheControl ?? null,
      };
      await writeFileSynced(tmpMeta, JSON.stringify(sidecar));
      const objectPath = this.objectPath(key);
      const metaPath = this.metaPath(key);
      await mkdir(dirname(objectPath), { recursive: true });
      await mkdir(dirname(metaPath), { recursive: true });
      await rename(tmp, objectPath);
      // The object is committed; a sidecar that fails to land is re-derived on the next read.
      await rename(tmpMeta, metaPath).catch(() => rm(tmpMeta, { force: true }));
      await syncDirectory(dirname(objectPath));
      return { key, size, sha256: consumed.sha256, etag: consumed.sha256 };
    } catch (error) {
      await handle?.close().catch(() => {});
      await Promise.all([rm(tmp, { force: true }), rm(tmpMeta, { force: true })]).catch(() => {});
      if (error instanceof SourceFailed) throw error.error;
      throw fromSystemError(error, 'write');
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const { handle, stat, info } = await this.openObject(key);
    try {
      const range = options.range ? resolveRange(options.range, stat.size) : undefined;
      // The stream reads the inode opened above, so a concurrent overwrite cannot mix two versions.
      const stream = readOpened(handle, stat.size, range);
      return {
        stream,
        size: range ? range.end - range.start + 1 : stat.size,
        contentType: info.contentType,
        etag: info.etag,
        ...(range ? { contentRange: { ...range, total: stat.size } } : {}),
      };
    } catch (error) {
      await handle.close().catch(() => {});
      throw fromSystemError(error);
    }
  }

  /**
   * For `/files`: one open answers the conditional checks and then streams the body, so a download costs
   * one open and one sidecar read instead of a head() and a get(). Call `read` or `close` exactly once.
   * A plain descriptor through fs callbacks rather than a FileHandle: the open, fstat and close are trips
   * through libuv's thread pool either way, and the promise API's cost more (one interleaved measurement
   * here: 20% more throughput for 700 KB downloads on a bare server, 10% less CPU per download).
   */
  async openForServing(key: string): Promise<ServedObject | null> {
    let fd: number | undefined;
    try {
      assertValidKey(key);
      fd = await openDescriptor(this.objectPath(key), 'r');
      const descriptor = fd;
      const fileStat = await statDescriptor(descriptor);
      if (!fileStat.isFile()) throw new StorageError('NOT_FOUND');
      const sidecar = await this.sidecarFor(key, fileStat, () => hashDescriptor(descriptor));
      fd = undefined;
      const info = objectInfo(key, fileStat, sidecar);
      return {
        info,
        // The stream closes the descriptor when it ends or is destroyed.
        read: (range) => readDescriptor(descriptor, info.size, range),
        close: () => closeDescriptor(descriptor).catch(() => {}),
      };
    } catch (error) {
      if (fd !== undefined) await closeDescriptor(fd).catch(() => {});
      const failure = fromSystemError(error);
      if (failure.code === 'NOT_FOUND') return null;
      throw failure;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const { handle, info } = await this.openObject(key);
      await handle.close();
      return info;
    } catch (error) {
      if (error instanceof StorageError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    this.sidecars.delete(key);
    assertValidKey(key);
    for (const path of [this.objectPath(key), this.metaPath(key)]) {
      try {
        await rm(path, { force: true });
      } catch (error) {
        // A directory or a file where a parent directory should be: there is no object by that key.
        if (fromSystemError(error).code !== 'NOT_FOUND' && !isDirectoryError(error))
          throw fromSystemError(error);
      }
    }
  }

  async copy(from: string, to: string): Promise<ObjectInfo> {
    assertValidKey(to);
    const { handle, info } = await this.openObject(from);
    // Reusing put keeps one write path (temp file, fsync, rename) and re-verifies the bytes on the way.
    const stream = handle.createReadStream({ start: 0 });
    try {
      await this.put(to, stream, {
        contentType: info.contentType,
        ...(info.sha256 ? { sha256: info.sha256 } : {}),
        ...(info.cacheControl ? { cacheControl: info.cacheControl } : {}),
      });
    } catch (error) {
      throw fromSystemError(error); // here the source is our own file, so its errors are ours to translate
    } finally {
      stream.destroy(); // closes the handle when put failed before reading to the end
    }
    const copied = await this.head(to);
    if (!copied) throw new StorageError('NOT_FOUND');
    return copied;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    assertValidPrefix(prefix);
    return listFiles(this.objectsDir, prefix, options);
  }

  async url(key: string, options: UrlOptions = {}): Promise<string> {
    assertValidKey(key);
    const immutable = options.immutable ?? isImmutableKey(key);
    const { expiresAt } = signingWindow(
      this.now(),
      options.expiresInSeconds ?? this.defaultExpiry,
      immutable,
    );
    const sig = signFileUrl(this.secret, key, expiresAt);
    return `${this.baseUrl}/files/${encodeKeyPath(key)}?exp=${expiresAt}&sig=${sig}`;
  }

  /** Checks the `exp` and `sig` query parameters of a `/files` URL against the key in its path. */
  verifySignedUrl(key: string, exp: string | undefined, sig: string | undefined): SignatureCheck {
    return verifyFileUrl(this.secret, key, exp, sig, this.now());
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.tmpDir, { recursive: true });
      await access(this.tmpDir, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw new StorageError('UNAVAILABLE', { cause: error });
    }
  }

  /** Removes temp files left by writes that a crash interrupted; run it at start-up or from a cron job. */
  async sweepTemp(olderThanMs = 60 * 60 * 1000): Promise<number> {
    const names = await readdir(this.tmpDir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const path = join(this.tmpDir, name);
      const found = await stat(path).catch(() => null);
      if (found && this.now() - found.mtimeMs > olderThanMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  private remember(key: string, sidecar: Sidecar): void {
    this.sidecars.delete(key); // re-inserted last: the Map's order is the recency order
    this.sidecars.set(key, sidecar);
    if (this.sidecars.size > SIDECAR_CACHE_ENTRIES) {
      const oldest = this.sidecars.keys().next().value;
      if (oldest !== undefined) this.sidecars.delete(oldest);
    }
  }

  private async openObject(key: string): Promise<Opened> {
    assertValidKey(key);
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.objectPath(key), 'r');
      const opened = handle;
      const fileStat = await opened.stat();
      if (!fileStat.isFile()) throw new StorageError('NOT_FOUND');
      const sidecar = await this.sidecarFor(key, fileStat, () => hashHandle(opened));
      return { handle, stat: fileStat, info: objectInfo(key, fileStat, sidecar) };
    } catch (error) {
      await handle?.close().catch(() => {});
      throw fromSystemError(error);
    }
  }

  /** The object's sidecar: remembered, read, or (missing or stale) derived from the open file and saved. */
  private async sidecarFor(key: string, fileStat: Stats, hash: () => Promise<string>): Promise<Sidecar> {
    const metaPath = this.metaPath(key);
    const cached = this.sidecars.get(key);
    const saved = cached && sidecarMatches(cached, fileStat) ? cached : await readSidecar(metaPath);
    let sidecar: Sidecar;
    if (saved && sidecarMatches(saved, fileStat)) {
      sidecar = saved;
    } else {
      sidecar = {
        contentType: saved?.contentType ?? contentTypeFor(key),
        sha256: await hash(),
        size: fileStat.size,
        mtimeMs: fileStat.mtimeMs,
        cacheControl: saved?.cacheControl ?? null,
      };
      await replaceSidecar(this.tmpDir, metaPath, sidecar);
    }
    this.remember(key, sidecar);
    return sidecar;
  }

  private objectPath(key: string): string {
    return this.within(this.objectsDir, key, '');
  }

  private metaPath(key: string): string {
    return this.within(this.metaDir, key, '.json');
  }

  /** Key validation already refuses traversal; this is the second lock on the same door. */
  private within(base: string, key: string, suffix: string): string {
    const path = join(base, ...key.split('/')) + suffix;
    if (!path.startsWith(base + sep)) throw new StorageError('INVALID_KEY');
    return path;
  }
}

function isDirectoryError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_FS_EISDIR' || code === 'EISDIR' || code === 'ENOTDIR';
}

function objectInfo(key: string, fileStat: Stats, sidecar: Sidecar): ObjectInfo {
  return {
    key,
    size: fileStat.size,
    contentType: sidecar.contentType,
    etag: sidecar.sha256,
    sha256: sidecar.sha256,
    cacheControl: sidecar.cacheControl,
    lastModified: fileStat.mtime,
  };
}

const openDescriptor = promisify(fsOpen);
const statDescriptor = promisify(fsFstat);
const closeDescriptor = promisify(fsClose);

/**
 * fs.ReadStream options for the bytes of an object of `size` (or `range` of them). Each read is a round
 * trip through libuv's thread pool, so the stream reads up to 1 MB at a time (64 KB by default: eleven
 * reads and a last one to find the end for a 700 KB model, now one read and no probe, since the end is
 * given) and holds at most that much per download.
 */
function readOptions(size: number, range?: { start: number; end: number }) {
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const bytes = end - start + 1;
  // An empty object has no last byte to name: read it to its end (which is its start).
  return bytes > 0 ? { start, end, highWaterMark: Math.min(bytes, READ_CHUNK_BYTES) } : {};
}

/** The largest read a download makes: a model-sized object in one or a few reads, a large one in steps. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * The bytes of an opened object. fs.ReadStream on the descriptor reads with callbacks: about twice the
 * throughput of FileHandle.createReadStream for model-sized files. The handle closes once the stream is done
 * (ended, failed or destroyed).
 */
function readOpened(handle: FileHandle, size: number, range?: { start: number; end: number }): Readable {
  const stream = createReadStream('', { fd: handle.fd, autoClose: false, ...readOptions(size, range) });
  finished(stream, () => void handle.close().catch(() => {}));
  return stream;
}

/** The same on a plain descriptor, which the stream closes once it is done (ended, failed or destroyed). */
function readDescriptor(fd: number, size: number, range?: { start: number; end: number }): Readable {
  return createReadStream('', { fd, autoClose: true, ...readOptions(size, range) });
}
