import type { ErrorBody, ErrorCode, ErrorReason } from '@avatar/contracts';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { isRenderError, type RenderError } from '../modules/render/render.types.ts';
import { isStorageError } from '../storage/storage-error.ts';

/** The one error type services throw: a stable code, a reason to branch on, a message safe to show. */
export class AppError extends TRPCError {
  readonly reason: ErrorReason;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    reason: ErrorReason,
    message: string,
    options: { headers?: Record<string, string>; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super({ code, message, cause: options.cause });
    this.reason = reason;
    this.headers = options.headers ?? {};
    this.details = options.details;
  }
}

export const notFound = (what: string) =>
  new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', `${what} was not found`);

const SAFE_BY_CODE: Partial<Record<ErrorCode, { reason: ErrorReason; message: string }>> = {
  INTERNAL_SERVER_ERROR: { reason: 'INTERNAL', message: 'Something went wrong on our side; try again' },
  SERVICE_UNAVAILABLE: {
    reason: 'DATABASE_UNAVAILABLE',
    message: 'A backing service is unavailable; try again',
  },
};

/** True for errors that mean "our fault" and deserve an error-level log line. */
export function isServerFault(error: TRPCError): boolean {
  return getHTTPStatusCodeFromError(error) >= 500;
}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  // connection_exception class: the connection broke or could not be made.
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** Maps anything thrown to the public error: never a driver message, never a stack. */
export function toPublicError(error: unknown, requestId?: string): { status: number; body: ErrorBody } {
  const trpc = toTrpcError(error);
  const status = getHTTPStatusCodeFromError(trpc);
  const fallback = SAFE_BY_CODE[trpc.code as ErrorCode];
  const reason = trpc instanceof AppError ? trpc.reason : fallback?.reason;
  const message = trpc instanceof AppError || !fallback ? trpc.message : fallback.message;
  const details = trpc instanceof AppError ? trpc.details : undefined;
  return {
    status,
    body: { code: trpc.code as ErrorCode, message, reason, requestId, ...(details ? { details } : {}) },
  };
}

export function toTrpcError(error: unknown): TRPCError {
  if (error instanceof TRPCError) {
    if (error.code !== 'INTERNAL_SERVER_ERROR' || error instanceof AppError) return error;
    // tRPC wraps thrown non-TRPC errors; look at what is underneath.
    return error.cause ? classify(error.cause, error) : error;
  }
  return classify(error, new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error }));
}

function classify(cause: unknown, otherwise: TRPCError): TRPCError {
  if (isRenderError(cause)) return classifyRenderError(cause);
  if (isStorageError(cause)) {
    if (cause.code === 'NO_SPACE') {
      return new AppError('SERVICE_UNAVAILABLE', 'STORAGE_FULL', 'File storage is full; try again later', {
        headers: { 'retry-after': '60' },
        cause,
      });
    }
    if (cause.code === 'UNAVAILABLE' || cause.code === 'INTERNAL' || cause.code === 'ACCESS_DENIED') {
      return new AppError(
        'SERVICE_UNAVAILABLE',
        'STORAGE_UNAVAILABLE',
        'File storage is unavailable; try again',
        {
          headers: { 'retry-after': '5' },
          cause,
        },
      );
    }
  }
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) {
    return new AppError(
      'SERVICE_UNAVAILABLE',
      'DATABASE_UNAVAILABLE',
      'The database is unavailable; try again',
      {
        headers: { 'retry-after': '5' },
        cause,
      },
    );
  }
  // node-postgres says these in words only (no code): a client whose connection ended under it.
  if (
    cause instanceof Error &&
    /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/.test(
      cause.message,
    )
  ) {
    return new AppError(
      'SERVICE_UNAVAILABLE',
      'DATABASE_UNAVAILABLE',
      'The database is unavailable; try again',
      {
        headers: { 'retry-after': '5' },
        cause,
      },
    );
  }
  return otherwise;
}

/**
 * A render failure as a client sees it: busy, restarting or missing Chromium is 503 RENDER_BUSY with
 * Retry-After; a model that cannot be drawn is 422 RENDER_FAILED. Fixed messages: a page's own message
 * may carry library text, except for a missing animation, which names the clip the caller asked for.
 */
function classifyRenderError(cause: RenderError): AppError {
  const retry = { 'retry-after': String(cause.retryAfterSeconds ?? 5) };
  switch (cause.code) {
    case 'BAD_REQUEST':
      return new AppError('BAD_REQUEST', 'VALIDATION_FAILED', cause.message, { cause });
    case 'MODEL_NOT_FOUND':
      return new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'The model to render was not found', { cause });
    case 'ANIMATION_NOT_FOUND':
      return new AppError('UNPROCESSABLE_CONTENT', 'RENDER_FAILED', cause.message, { cause });
    case 'MODEL_INVALID':
    case 'EMPTY_MODEL':
      return new AppError(
        'UNPROCESSABLE_CONTENT',
        'RENDER_FAILED',
        'This model has nothing that can be drawn',
        {
          cause,
        },
      );
    case 'RENDER_FAILED':
      return new AppError(
        'INTERNAL_SERVER_ERROR',
        'RENDER_FAILED',
        'The image could not be rendered; try again',
        {
          cause,
        },
      );
    case 'QUEUE_FULL':
      return new AppError(
        'SERVICE_UNAVAILABLE',
        'RENDER_BUSY',
        'Too many images are being rendered; try again shortly',
        {
          headers: retry,
          cause,
        },
      );
    case 'UNAVAILABLE':
    case 'CLOSED':
      return new AppError(
        'SERVICE_UNAVAILABLE',
        'RENDER_BUSY',
        'Rendering is not available right now; try again later',
        {
          headers: retry,
          cause,
        },
      );
    default:
      return new AppError(
        'SERVICE_UNAVAILABLE',
        'RENDER_BUSY',
        'The image could not be rendered just now; try again',
        {
          headers: retry,
          cause,
        },
      );
  }
}
