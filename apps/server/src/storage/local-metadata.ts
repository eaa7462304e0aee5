import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';

/**
 * What the local driver keeps beside each object. `size` and `mtimeMs` fingerprint the object file the
 * sidecar was written for: a sidecar that does not match (a crash between the two renames, a racing
 * overwrite) is never trusted, and the metadata is derived from the file instead.
 */
export interface Sidecar {
  contentType: string;
  sha256: string;
  size: number;
  mtimeMs: number;
  cacheControl: string | null;
}

const CONTENT_TYPES: Record<string, string> = {
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ktx2': 'image/ktx2',
  '.svg': 'image/svg+xml',
  '.obj': 'model/obj',
  '.mtl': 'model/mtl',
  '.fbx': 'application/octet-stream',
  '.zip': 'application/zip',
  '.json': 'application/json',
};

/** The content type a key's extension implies, for objects whose sidecar is lost. */
export function contentTypeFor(key: string): string {
  return CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream';
}

export function sidecarMatches(sidecar: Sidecar, stat: Stats): boolean {
  return sidecar.size === stat.size && sidecar.mtimeMs === stat.mtimeMs;
}

/** Null when missing or unreadable: a broken sidecar only costs a re-hash. */
export async function readSidecar(path: string): Promise<Sidecar | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (!isSidecar(parsed)) return null;
    return parsed;
  } catch {
    return null;
  }
}

function isSidecar(value: unknown): value is Sidecar {
  const v = value as Partial<Sidecar> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.contentType === 'string' &&
    typeof v.sha256 === 'string' &&
    typeof v.size === 'number' &&
    typeof v.mtimeMs === 'number' &&
    (v.cacheControl === null || typeof v.cacheControl === 'string')
  );
}

/** Writes and fsyncs a new file; `wx` so two writers can never share one temp name. */
export async function writeFileSynced(path: string, data: string | Buffer): Promise<void> {
  const handle = await open(path, 'wx', 0o644);
  try {
    await writeFully(handle, typeof data === 'string' ? Buffer.from(data) : data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** FileHandle.write may write less than asked; loop until the chunk is all down. */
export async function writeFully(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** Hashes through the already-open handle, so the hash is of the same file the caller is about to serve. */
export async function hashHandle(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) hash.update(chunk);
  return hash.digest('hex');
}

/** The same through a plain descriptor, which stays open. */
export async function hashDescriptor(fd: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream('', { fd, start: 0, autoClose: false })) hash.update(chunk);
  return hash.digest('hex');
}

/** Makes a finished rename durable; best effort, since some platforms cannot open a directory. */
export async function syncDirectory(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data itself was fsynced; only the rename's durability across a power loss is at stake.
  }
}

/** Swaps in a re-derived sidecar; best effort, since a failed repair only means hashing again next time. */
export async function replaceSidecar(tmpDir: string, metaPath: string, sidecar: Sidecar): Promise<void> {
  const tmp = join(tmpDir, `${randomUUID()}.json`);
  try {
    await mkdir(tmpDir, { recursive: true });
    await mkdir(dirname(metaPath), { recursive: true });
    await writeFileSynced(tmp, JSON.stringify(sidecar));
    await rename(tmp, metaPath);
  } catch {
    await rm(tmp, { force: true }).catch(() => {});
  }
}
