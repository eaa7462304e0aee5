import { createHash } from 'node:crypto';
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
import type { UploadLimits } from './upload-limits.ts';
import type { ValidateFn } from './validator-thread.ts';

export interface PrepareAssetOptions {
  limits: UploadLimits;
  /** Where the Khronos validator runs; in-process by default. */
  validate?: ValidateFn;
  /** Decoders, so that compressed uploads can be inspected (`loadDecoders().dependencies`). */
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
 * self-contained .gltf to GLB; then the Khronos validator with our structural limits and, at the same time
 * on this thread, the inspect report and the hash. The inspection starts early only on files whose
 * structure is within limits, and its result counts only if validation passes. Refusals are 422
 * INVALID_ASSET with the first issues in the message and up to 20 in `details.errors`.
 */
export async function prepareAsset(bytes: Uint8Array, options: PrepareAssetOptions): Promise<PreparedAsset> {
  const { limits } = options;
  const validate = options.validate ?? validateGlb;
  const sniffed = sniffAsset(bytes, { maxDataUriBytes: limits.maxDataUriBytes });
  if (!sniffed.ok) throw invalidAsset(sniffed.issues);

  let glb = bytes;
  let json = sniffed.json;
  let sha256 = options.sha256;
  if (sniffed.format === 'gltf') {
    const converted = await gltfToGlb(bytes, sniffed.json);
    if (!converted.ok) throw invalidAsset(converted.report.errors);
    glb = converted.glb;
    sha256 = undefined;
    const again = sniffAsset(glb, { maxDataUriBytes: limits.maxDataUriBytes });
    if (!again.ok) throw invalidAsset(again.issues);
    json = again.json;
  }

  const inspect = () => inspectAsset(glb, { dependencies: options.dependencies ?? {} });
  // Validation first: on its thread it starts at once, and the inspection below (synchronous for most of
  // its run) would otherwise hold the message back until it had finished.
  const validating = validate(glb, limits);
  const early = withinReadBudget(glb, json, limits) ? settle(inspect()) : null;
  const report = await validating;
  if (!report.valid) throw invalidAsset(report.errors);

  const inspected = early ? await early : await settle(inspect());
  if (!inspected.ok) {
    const error = inspected.error;
    if (!isAssetCoreError(error)) throw error;
    throw new AppError(
      'UNPROCESSABLE_CONTENT',
      'INVALID_ASSET',
      `The file could not be read: ${error.message}`,
      {
        details: { errors: [{ source: 'container', code: error.code, message: error.message }] },
      },
    );
  }
  return {
    glb,
    sha256: sha256 ?? createHash('sha256').update(glb).digest('hex'),
    metadata: inspected.value,
    report,
    sourceFormat: sniffed.format,
  };
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
