import { buffer } from 'node:stream/consumers';
import {
  type AssetMetadata,
  type AssetQuality,
  inspectAsset,
  isAssetCoreError,
  makeQualityVariant,
  optimizeAsset,
  QUALITY_VARIANT_PRESETS,
  type ValidateGlbOptions,
} from '@avatar/asset-core';
import type { AssetVariantsSummary, VariantSummary } from '@avatar/contracts';
import type { AssetRow } from '../../db/tables.ts';
import type { JobHandler } from '../../jobs/job-types.ts';
import { isStorageError } from '../../storage/storage-error.ts';
import type { Deps } from '../../trpc/context.ts';
import { findAsset } from '../catalog/catalog.repository.ts';
import { renderAssetThumbnail, thumbnailStorageKey } from '../render/asset-thumbnail.ts';
import { type Encoders, loadEncoders } from './codecs.ts';
import * as repo from './uploads.repository.ts';
import { sharedValidatorThread } from './validator-thread.ts';
import { variantStorageKey } from './variant-keys.ts';

type VariantName = keyof AssetVariantsSummary;
const VARIANTS: readonly VariantName[] = ['optimized', 'low', 'medium'];

/**
 * A variant came out invalid or lost part of the asset. A retry would make the same files, so the asset
 * fails at once (later attempts find it `failed` and skip); the message is safe to show.
 */
class VariantRejected extends Error {}

/**
 * `asset.process`: makes the delivery variant (optimized) and the export variants (low, medium) of a new
 * asset, checks each with the Khronos validator and against the original (skins, clips, morph targets),
 * stores them beside it under deterministic keys, records their sizes and triangle counts in the metadata
 * and marks the asset `active`. Re-reads the asset by id and does nothing unless it is still `processing`,
 * so a repeated job is harmless. A failure is retried with backoff; the last one marks the asset `failed`
 * with a reason the admin can read. It also renders the 256x256 thumbnail (`{key}.thumb.png`, set as
 * thumbnail_key) when this process has a render service; an asset with nothing to draw gets none, and a
 * failed render is logged and leaves the asset without one rather than failing it.
 */
export function processAssetJob(deps: Deps): JobHandler<'asset.process'> {
  return async (job) => {
    const row = await findAsset(deps.db, job.data.assetId);
    if (row?.status !== 'processing') return 'skipped';
    try {
      const variants = await makeVariants(deps, row);
      const metadata = { ...(row.metadata as object), variants };
      const thumbnail = await renderAssetThumbnail(deps, row);
      if (thumbnail.status !== 'stored')
        deps.logger.info({ assetId: row.id, thumbnail }, 'asset has no thumbnail');
      const updated = await repo.updateProcessing(deps.db, row.id, {
        status: 'active',
        status_reason: null,
        metadata: JSON.stringify(metadata),
        ...(thumbnail.status === 'stored' ? { thumbnail_key: thumbnail.key } : {}),
      });
      return updated ? 'completed' : 'skipped';
    } catch (error) {
      const reason = failureReason(error);
      if (job.isLastAttempt || error instanceof VariantRejected) {
        await repo.updateProcessing(deps.db, row.id, { status: 'failed', status_reason: reason });
        await Promise.all(
          VARIANTS.map((v) => deps.storage.delete(variantStorageKey(row.storage_key, v)).catch(() => {})),
        );
        const thumbnailKey = thumbnailStorageKey(row.storage_key);
        if (thumbnailKey) await deps.storage.delete(thumbnailKey).catch(() => {});
      } else {
        await repo
          .updateProcessing(deps.db, row.id, {
            status_reason: `Attempt ${job.retryCount + 1} failed (${reason}); retrying`,
          })
          .catch(() => {});
      }
      throw error;
    }
  };
}

async function makeVariants(deps: Deps, row: AssetRow): Promise<AssetVariantsSummary> {
  const original = new Uint8Array(await buffer((await deps.storage.get(row.storage_key)).stream));
  const codecs = await loadEncoders();
  const reference = await inspectAsset(original, { dependencies: codecs.dependencies });
  const optimized = await optimizeAsset(original, {
    encoder: codecs.meshoptEncoder,
    dependencies: codecs.dependencies,
    textureEncoder: codecs.sharp,
    maxTextureSize: deps.config.OPTIMIZED_MAX_TEXTURE_SIZE,
  });
  // Compression can grow a tiny file; the delivery variant is then the original itself.
  const sameAsOriginal = optimized.byteLength >= original.byteLength;
  const files: Record<VariantName, Uint8Array> = {
    optimized: sameAsOriginal ? original : optimized,
    low: await reduced(codecs, original, 'low'),
    medium: await reduced(codecs, original, 'medium'),
  };
  const summary = {} as AssetVariantsSummary;
  for (const name of VARIANTS) {
    summary[name] = await check(name, files[name], reference, codecs);
    if (name === 'optimized' && sameAsOriginal) summary[name].sameAsOriginal = true;
  }
  for (const name of VARIANTS) {
    const bytes = files[name];
    await deps.storage.put(
      variantStorageKey(row.storage_key, name),
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      {
        contentType: 'model/gltf-binary',
        size: bytes.byteLength,
      },
    );
  }
  return summary;
}

function reduced(codecs: Encoders, original: Uint8Array, quality: AssetQuality): Promise<Uint8Array> {
  return makeQualityVariant(original, {
    simplifier: codecs.simplifier,
    dependencies: codecs.dependencies,
    textureEncoder: codecs.sharp,
    ...QUALITY_VARIANT_PRESETS[quality],
  });
}

const NO_LIMITS: Partial<ValidateGlbOptions> = {
  maxBytes: Number.POSITIVE_INFINITY,
  maxTriangles: Number.POSITIVE_INFINITY,
  maxVertices: Number.POSITIVE_INFINITY,
  maxTextureDimension: Number.POSITIVE_INFINITY,
};

/** Khronos-valid, and still the same asset: the same skeletons, clips (by name and length) and morph targets. */
async function check(
  name: VariantName,
  bytes: Uint8Array,
  reference: AssetMetadata,
  codecs: Encoders,
): Promise<VariantSummary> {
  const report = await sharedValidatorThread().validate(bytes, NO_LIMITS);
  if (!report.valid) {
    const first = report.errors[0];
    throw new VariantRejected(`the ${name} variant failed validation (${first?.code}: ${first?.message})`);
  }
  const made = await inspectAsset(bytes, { dependencies: codecs.dependencies });
  const skeletons = (m: AssetMetadata) =>
    [...new Set(m.skins.map((s) => s.jointNames.join('|')))].sort().join('\n');
  const clips = (m: AssetMetadata) =>
    m.animations.map((a) => `${a.name}:${a.duration.toFixed(3)}`).join('\n');
  const morphs = (m: AssetMetadata) => m.morphTargets.map((t) => `${t.mesh}:${t.count}`).join('\n');
  for (const [what, of] of [
    ['skeletons', skeletons],
    ['animation clips', clips],
    ['morph targets', morphs],
  ] as const) {
    if (of(made) !== of(reference))
      throw new VariantRejected(`the ${name} variant lost ${what} of the original`);
  }
  return { bytes: bytes.byteLength, triangles: made.geometry.triangles, vertices: made.geometry.vertices };
}

/** A sentence for the admin: never a driver's or a library's own message. */
function failureReason(error: unknown): string {
  if (error instanceof VariantRejected) return `Making variants failed: ${error.message}`;
  if (isStorageError(error)) return `File storage failed (${error.code.toLowerCase().replace(/_/g, ' ')})`;
  if (isAssetCoreError(error)) return `The stored file could not be processed: ${error.message}`;
  return 'Making the optimized variants failed unexpectedly';
}
