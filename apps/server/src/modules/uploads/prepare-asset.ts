import { hash } from 'node:crypto';
import {
  type AssetMetadata,
  gltfToGlb,
  type Issue,
  inspectAsset,
  isAssetCoreError,
  sniffAsset,
  type ValidationReport,
  validateGlb,
  withinReadBudget,
} from '@avatar/asset-core';
import { AppError } from '../../http/errors.ts';
import { type SharedLease, sharedBytesPool } from './shared-bytes.ts';
import type { UploadLimits } from './upload-limits.ts';
import { type InspectFn, ThreadJobError, type ValidateFn } from './validator-thread.ts';

/** Up to this size an upload without compressed geometry is validated and inspected on the calling thread. */
const INLINE_MAX_BYTES = 256 * 1024;
/** Frozen, as the upload limits are, so that asset-core merges each with its defaults once. */
const INLINE_INSPECT = Object.freeze({ dependencies: Object.freeze({}) });

export interface PrepareAssetOptions {
  limits: Readonly<UploadLimits>;
  /** Where the Khronos validator runs; in-process by default. */
  validate?: ValidateFn;
  /** Where the inspection (and any decoding of compressed geometry) runs; in-process by default. */
  inspect?: InspectFn;
  /** Decoders for the in-process inspection of compressed uploads (`loadDecoders().dependencies`). */
  dependencies?: Record<string, unknown>;
  /** The hash, when the bytes were already hashed while they streamed in (GLB input only). */
  sha256?: string;
}

export interface PreparedAsset {
  /** What gets stored: the upload itself, or the GLB converted from an uploaded .gltf. */
  glb: Uint8Array;
  sha256: string;
  metadata: AssetMetadata;
  report: ValidationReport;
  sourceFormat: 'glb' | 'gltf';
}

/**
 * The gate every uploaded file passes before anything is stored: sniff what the bytes are (GLB or glTF
 * JSON, never trusting a name or content type) and refuse external or oversized URIs; convert a
 * self-contained .gltf to GLB; then the Khronos validator with our structural limits (image sizes from
 * their headers included), the inspect report and the hash. Small files without compressed geometry go
 * through those steps one after the other on this thread. Otherwise, with both threads given, validation
 * and inspection run on threads of their own (so the inspection's decoders never run on this one) and at
 * the same time; the inspection starts early only on files whose structure is within limits. Either way
 * the inspection counts only if validation passes. Refusals are 422 INVALID_ASSET with the first issues
 * in the message and up to 20 in `details.errors`.
 */
export async function prepareAsset(bytes: Uint8Array, options: PrepareAssetOptions): Promise<PreparedAsset> {
  const handoff: Handoff = { jobs: [] };
  try {
    return await prepare(bytes, options, handoff);
  } finally {
    const { lease, jobs } = handoff;
    if (lease) void Promise.allSettled(jobs).then(lease.release);
  }
}

/**
 * What one upload handed to the threads. They get the bytes in pooled shared memory, copied once rather
 * than once per thread; the buffer goes back to the pool once every job given it has settled (one may
 * outlive a refusal here). Module-level helpers rather than closures: a small upload makes none of this.
 */
interface Handoff {
  jobs: Promise<unknown>[];
  lease?: SharedLease;
}

function toThreads(handoff: Handoff, glb: Uint8Array): Uint8Array {
  handoff.lease ??= sharedBytesPool().lease(glb); // only ever one file: the upload, or the GLB made of it
  return handoff.lease.bytes;
}

function started<T>(handoff: Handoff, job: Promise<T>): Promise<T> {
  handoff.jobs.push(job);
  return job;
}

async function prepare(
  bytes: Uint8Array,
  options: PrepareAssetOptions,
  handoff: Handoff,
): Promise<PreparedAsset> {
  const { limits } = options;
  const threaded = Boolean(options.validate || options.inspect);
  const glbInput = startsLikeGlb(bytes);
  const small = bytes.byteLength <= INLINE_MAX_BYTES;
  let source = threaded && glbInput && !small ? toThreads(handoff, bytes) : bytes;
  // A GLB goes to the validator's thread before anything else happens here (it is the longest step);
  // the sniff below still has the first word, and a refusal there leaves the report unread.
  let validating =
    options.validate && glbInput && !small ? started(handoff, options.validate(source, limits)) : null;
  validating?.catch(() => {});
  const sniffed = sniffAsset(bytes, limits);
  if (!sniffed.ok) throw invalidAsset(sniffed.issues);

  let glb = bytes;
  let { json, container } = sniffed;
  let sha256 = options.sha256;
  if (sniffed.format === 'gltf') {
    const converted = await gltfToGlb(bytes, sniffed.json);
    if (!converted.ok) throw invalidAsset(converted.report.errors);
    glb = converted.glb;
    sha256 = undefined;
    const again = sniffAsset(glb, limits);
    if (!again.ok) throw invalidAsset(again.issues);
    ({ json, container } = again);
    source = glb;
  }
  // A small file without compressed geometry is read here: a thread hand-off would cost more than the
  // few milliseconds its validation blocks this thread, and no decoder runs on it. One step after the
  // other, each reusing the container the sniff read (its JSON is parsed once): on one thread nothing
  // is gained by starting the inspection before the verdict, which then decides whether it runs at all.
  if (!validating && container && glb.byteLength <= INLINE_MAX_BYTES && !needsDecoding(json)) {
    sha256 ??= hash('sha256', glb);
    const report = await validateGlb(glb, limits, container);
    if (!report.valid) throw invalidAsset(report.errors);
    let metadata: AssetMetadata;
    try {
      metadata = await inspectAsset(glb, INLINE_INSPECT, container);
    } catch (error) {
      throw unreadable(error);
    }
    return { glb, sha256, metadata, report, sourceFormat: sniffed.format };
  }

  const validate = options.validate ?? validateGlb;
  const inspect =
    options.inspect ?? ((g: Uint8Array) => inspectAsset(g, { dependencies: options.dependencies ?? {} }));
  if (threaded) source = toThreads(handoff, source);
  validating ??= started(handoff, validate(source, limits));
  const early =
    !needsDecoding(json) || withinReadBudget(glb, json, limits)
      ? settle(started(handoff, inspect(source)))
      : null;
  sha256 ??= hash('sha256', glb);
  const report = await validating;
  if (!report.valid) throw invalidAsset(report.errors);

  const inspected = early ? await early : await settle(started(handoff, inspect(source)));
  if (!inspected.ok) throw unreadable(inspected.error);
  return { glb, sha256, metadata: inspected.value, report, sourceFormat: sniffed.format };
}

/** 422 for a file the inspection could not read, or whose reading stopped the thread it ran on. */
function unreadable(error: unknown): AppError {
  let code: string;
  let message: string;
  if (isAssetCoreError(error)) {
    code = error.code;
    message = error.message;
  } else if (error instanceof ThreadJobError && error.reason !== 'closed') {
    code = 'GLB_UNREADABLE';
    message = `Reading it (decoding its geometry) ${error.message}.`;
  } else {
    throw error;
  }
  return new AppError('UNPROCESSABLE_CONTENT', 'INVALID_ASSET', `The file could not be read: ${message}`, {
    details: { errors: [{ source: 'container', code, message }] },
  });
}

/**
 * Compressed geometry is read by glTF-Transform's reader, which copies accessors out (a hostile file can
 * make that many times its size), so such files are read early only within the read budget. The others are
 * mostly described from their JSON in bounded time (`describeGlb`), so their inspection starts at once;
 * the few it hands to the reader run on the inspection thread, under its heap limit.
 */
function needsDecoding(json: Record<string, unknown>): boolean {
  const used = Array.isArray(json.extensionsUsed) ? json.extensionsUsed : [];
  return used.includes('KHR_draco_mesh_compression') || used.includes('EXT_meshopt_compression');
}

function startsLikeGlb(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 4 && bytes[0] === 0x67 && bytes[1] === 0x6c && bytes[2] === 0x54 && bytes[3] === 0x46
  );
}

/** 422 INVALID_ASSET naming the first issues; the details carry the issues as asset-core reports them. */
export function invalidAsset(issues: Issue[]): AppError {
  const first = issues
    .slice(0, 3)
    .map((issue) => `${issue.code}: ${issue.message}${issue.pointer ? ` (${issue.pointer})` : ''}`)
    .join('; ');
  return new AppError(
    'UNPROCESSABLE_CONTENT',
    'INVALID_ASSET',
    `The file is not a valid glTF asset: ${first}`,
    {
      details: { errors: issues.slice(0, 20) },
    },
  );
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that cannot reject (so one started early never goes unhandled). */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}
