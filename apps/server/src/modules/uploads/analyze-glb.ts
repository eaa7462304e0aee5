import { createHash } from 'node:crypto';
import { type AssetMetadata, isAssetCoreError, type ValidationReport } from '@avatar/asset-core';
import { AppError } from '../../http/errors.ts';
import { shared, sharedInspectorThread, sharedValidatorThread, ThreadJobError } from './validator-thread.ts';

export interface Analysis {
  sha256: string;
  report: ValidationReport;
  metadata: AssetMetadata;
}

/**
 * The server-side gate every GLB passes, whatever way it arrived: the Khronos validator and our limits
 * first (the parser alone accepts many invalid files), then the inspect report, then the hash. Both run on
 * the process's asset threads, as uploads do, so no decoder runs on the API's thread.
 */
export async function analyzeGlb(bytes: Uint8Array, maxBytes: number): Promise<Analysis> {
  const source = shared(bytes);
  const report = await sharedValidatorThread().validate(source, { maxBytes });
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
    metadata = await sharedInspectorThread().inspect(source);
  } catch (error) {
    const stopped = error instanceof ThreadJobError && error.reason !== 'closed';
    if (!isAssetCoreError(error) && !stopped) throw error;
    throw new AppError(
      'UNPROCESSABLE_CONTENT',
      'INVALID_ASSET',
      `The file could not be read: ${isAssetCoreError(error) ? error.message : `reading it ${error.message}.`}`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { sha256, report, metadata };
}
