/** The closed set of failures a storage driver may report; drivers translate everything else into these. */
export const storageErrorCodes = [
  'NOT_FOUND',
  'UNAVAILABLE',
  'INVALID_KEY',
  'INVALID_RANGE',
  'NO_SPACE',
  'CHECKSUM_MISMATCH',
  'ACCESS_DENIED',
  'INTERNAL',
] as const;
export type StorageErrorCode = (typeof storageErrorCodes)[number];

// Fixed wording per code: the message may reach a user, so it never carries a driver's own text.
const MESSAGES: Record<StorageErrorCode, string> = {
  NOT_FOUND: 'The file was not found',
  UNAVAILABLE: 'File storage is unavailable; try again',
  INVALID_KEY: 'The file name is not allowed',
  INVALID_RANGE: 'The requested byte range is not satisfiable',
  NO_SPACE: 'File storage is full',
  CHECKSUM_MISMATCH: 'The stored bytes do not match the expected size or checksum',
  ACCESS_DENIED: 'File storage refused the request',
  INTERNAL: 'File storage failed unexpectedly',
};

/**
 * The only error a storage driver throws, except that a failing source stream given to `put` is rethrown
 * as it is (it is the caller's error, not the storage's). `cause` keeps the driver error for server logs.
 */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, options: { cause?: unknown; detail?: string } = {}) {
    super(options.detail ? `${MESSAGES[code]}: ${options.detail}` : MESSAGES[code], { cause: options.cause });
    this.code = code;
  }
}

export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

/** Translates a Node system error (fs or net); `write` says a path clash means a bad key, not a miss. */
export function fromSystemError(error: unknown, op: 'read' | 'write' = 'read'): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return new StorageError('NOT_FOUND', { cause: error });
    case 'ENOTDIR':
    case 'EISDIR':
    case 'EEXIST':
      return new StorageError(op === 'write' ? 'INVALID_KEY' : 'NOT_FOUND', { cause: error });
    case 'ENAMETOOLONG':
      return new StorageError('INVALID_KEY', { cause: error });
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return new StorageError('NO_SPACE', { cause: error });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StorageError('ACCESS_DENIED', { cause: error });
    case 'EMFILE':
    case 'ENFILE':
    case 'EIO':
      return new StorageError('UNAVAILABLE', { cause: error });
    default:
      if (typeof code === 'string' && NETWORK_CODES.has(code)) {
        return new StorageError('UNAVAILABLE', { cause: error });
      }
      return new StorageError('INTERNAL', { cause: error });
  }
}
