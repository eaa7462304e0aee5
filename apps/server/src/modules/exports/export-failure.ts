import { isAssetCoreError, isPoseNotFoundError } from '@avatar/asset-core';
import type { ExportErrorCode } from '@avatar/contracts';
import { isStorageError } from '../../storage/storage-error.ts';

/** Why an export stopped, and whether trying again could help; `cause` is for the logs only. */
export class ExportFailure extends Error {
  override readonly name = 'ExportFailure';
  constructor(
    readonly code: ExportErrorCode,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(`export failed: ${code}`, options);
  }
}

/** Why an in-flight export was told to stop: its client left, or it ran past the sync time budget. */
export class ExportAborted extends Error {
  override readonly name = 'ExportAborted';
  constructor(readonly reason: 'disconnected' | 'budget') {
    super(`export aborted: ${reason}`);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof ExportAborted ? signal.reason : new ExportAborted('disconnected');
}

/** Sorts anything a run threw into a failure code; unknown errors are retried (they may be transient). */
export function toExportFailure(error: unknown): ExportFailure {
  if (error instanceof ExportFailure) return error;
  if (error instanceof ExportAborted) return new ExportFailure('CANCELLED', false, { cause: error });
  if (isAssetCoreError(error)) return new ExportFailure('COMPOSE_FAILED', false, { cause: error });
  // A pose the request named that the composed avatar lacks: trying again cannot help.
  if (isPoseNotFoundError(error)) return new ExportFailure('COMPOSE_FAILED', false, { cause: error });
  if (isStorageError(error)) {
    const permanent = error.code === 'INVALID_KEY' || error.code === 'ACCESS_DENIED';
    return new ExportFailure('STORAGE_UNAVAILABLE', !permanent, { cause: error });
  }
  return new ExportFailure('INTERNAL', true, { cause: error });
}
