/**
 * The closed set of reasons asset-core refuses an asset. The server maps each one to an HTTP/tRPC answer
 * in one place, so adding a code here is an API change.
 */
export const assetCoreErrorCodes = [
  /** Not a GLB, or its container (header, chunks, JSON) is broken. */
  'GLB_INVALID',
  /** The GLB points at files outside itself; we only accept self-contained assets. */
  'GLB_EXTERNAL_RESOURCE',
  /** `extensionsRequired` names an extension the reader does not know. */
  'GLB_UNSUPPORTED_EXTENSION',
  /** The geometry is compressed (Draco, meshopt) and the caller passed no decoder. */
  'GLB_DECODER_MISSING',
  /** The container is fine but its contents made the reader fail. */
  'GLB_UNREADABLE',
] as const;
export type AssetCoreErrorCode = (typeof assetCoreErrorCodes)[number];

/**
 * The only error asset-core throws on bad input. Its message is safe to show a user; the reader's own
 * exception, which is not, travels in `cause`.
 */
export class AssetCoreError extends Error {
  override readonly name = 'AssetCoreError';
  readonly code: AssetCoreErrorCode;

  constructor(code: AssetCoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isAssetCoreError(error: unknown): error is AssetCoreError {
  return error instanceof AssetCoreError;
}
