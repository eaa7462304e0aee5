import { InvalidObjectNameError, S3Error } from 'minio';
import { fromSystemError, StorageError, type StorageErrorCode } from './storage-error.ts';

// S3 error codes (AWS and MinIO spellings) by what they mean to a caller of this layer.
const BY_S3_CODE: Record<string, StorageErrorCode> = {
  NoSuchKey: 'NOT_FOUND',
  NotFound: 'NOT_FOUND',
  // A missing bucket is a deployment fault, not a missing file: report the storage as unusable.
  NoSuchBucket: 'UNAVAILABLE',
  InvalidRange: 'INVALID_RANGE',
  AccessDenied: 'ACCESS_DENIED',
  AllAccessDisabled: 'ACCESS_DENIED',
  InvalidAccessKeyId: 'ACCESS_DENIED',
  SignatureDoesNotMatch: 'ACCESS_DENIED',
  ExpiredToken: 'ACCESS_DENIED',
  InvalidToken: 'ACCESS_DENIED',
  SlowDown: 'UNAVAILABLE',
  ServiceUnavailable: 'UNAVAILABLE',
  InternalError: 'UNAVAILABLE',
  RequestTimeout: 'UNAVAILABLE',
  XMinioServerNotInitialized: 'UNAVAILABLE',
  XMinioStorageFull: 'NO_SPACE',
  XMinioAdminBucketQuotaExceeded: 'NO_SPACE',
  QuotaExceeded: 'NO_SPACE',
  EntityTooLarge: 'NO_SPACE',
  BadDigest: 'CHECKSUM_MISMATCH',
  InvalidDigest: 'CHECKSUM_MISMATCH',
  XAmzContentSHA256Mismatch: 'CHECKSUM_MISMATCH',
  KeyTooLongError: 'INVALID_KEY',
  XMinioInvalidObjectName: 'INVALID_KEY',
  // MinIO keeps objects as paths: "a/b" and "a/b/c" cannot both exist, as on the local driver.
  XMinioParentIsObject: 'INVALID_KEY',
  XMinioObjectExistsAsDirectory: 'INVALID_KEY',
};

/** Translates whatever the minio client threw; the driver's own text stays in `cause`, for logs only. */
export function fromS3Error(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  if (error instanceof InvalidObjectNameError) return new StorageError('INVALID_KEY', { cause: error });
  if (error instanceof S3Error && typeof error.code === 'string') {
    return new StorageError(BY_S3_CODE[error.code] ?? 'INTERNAL', { cause: error });
  }
  // The client turns 408, 429 and 5xx answers into a plain Error naming only the status: all are "try later".
  if (error instanceof Error && /Retryable HTTP status: \d+/.test(error.message)) {
    return new StorageError('UNAVAILABLE', { cause: error });
  }
  // Network failures surface as plain Node errors (ECONNREFUSED, our ETIMEDOUT, ...).
  return fromSystemError(error);
}
