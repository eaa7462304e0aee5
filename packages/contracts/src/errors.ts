import { z } from 'zod';

/**
 * The closed set of error codes a client can see. They are tRPC's codes (so tRPC clients and REST clients
 * read the same word); `reason` narrows one down where a client may want to branch on it.
 */
export const errorCodes = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_SUPPORTED',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE_CONTENT',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;
export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const errorReasons = [
  'INVALID_JSON',
  'VALIDATION_FAILED',
  'INVALID_CREDENTIALS',
  'SESSION_REQUIRED',
  'SESSION_EXPIRED',
  'CSRF_FAILED',
  'ADMIN_ONLY',
  'EMAIL_TAKEN',
  'ROUTE_NOT_FOUND',
  'RATE_LIMITED',
  'BODY_TOO_LARGE',
  'DATABASE_UNAVAILABLE',
  'STORAGE_UNAVAILABLE',
  'STORAGE_FULL',
  'INVALID_ASSET',
  'DUPLICATE_ASSET',
  'VERSION_CONFLICT',
  'INVALID_STATE',
  'INTERNAL',
  /** The render service is busy, restarting or not installed: try again after Retry-After. */
  'RENDER_BUSY',
  /** This model or avatar could not be drawn (nothing visible, an unknown animation, a broken file). */
  'RENDER_FAILED',
  /** The same Idempotency-Key came with a different body (422), or its first request is still running (409). */
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_IN_PROGRESS',
] as const;
export const ErrorReason = z.enum(errorReasons);
export type ErrorReason = z.infer<typeof ErrorReason>;

/** The JSON body of every error answered by a non-tRPC HTTP route, and the core of the REST error body. */
export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  reason: ErrorReason.optional(),
  requestId: z.string().optional(),
  /** Structured detail where it helps a client (the validator's issues for a rejected file). */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
