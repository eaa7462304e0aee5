import { createHash } from 'node:crypto';
import {
  type AssetMetadata,
  inspectAsset,
  isAssetCoreError,
  type ValidationReport,
  validateGlb,
} from '@avatar/asset-core';
import { AppError } from '../../http/errors.ts';

export interface Analysis {
  sha256: string;
  report: ValidationReport;
  metadata: AssetMetadata;
}

/**
 * The server-side gate every GLB passes, whatever way it arrived: the Khronos validator and our limits
 * first (the parser alone accepts many invalid files), then the inspect report, then the hash.
 */
export async function analyzeGlb(bytes: Uint8Array, maxBytes: number): Promise<Analysis> {
  const report = await validateGlb(bytes, { maxBytes });
  if (!report.valid) {
    const first = report.errors
      .slice(0, 3)
      .map((e) => `${e.code}: ${e.message}${e.pointer ? ` (${e.pointer})` : ''}`)
      .join('; ');
    throw new AppError('UNPROCESSABLE_CONTENT', 'INVALID_ASSET', `The file is not a valid GLB: ${first}`, {
      details: { errors: report.errors.slice(0, 20) },
    });
  }
  let metadata: AssetMetadata;
  try {
    metadata = await inspectAsset(bytes);
  } catch (error) {
    if (!isAssetCoreError(error)) throw error;
    throw new AppError(
      'UNPROCESSABLE_CONTENT',
      'INVALID_ASSET',
      `The file could not be read: ${error.message}`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { sha256, report, metadata };
}
