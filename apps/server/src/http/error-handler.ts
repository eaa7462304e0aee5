import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isServerFault, toPublicError, toTrpcError } from './errors.ts';

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({
    code: 'NOT_FOUND',
    reason: 'ROUTE_NOT_FOUND',
    message: `No route for ${req.method} ${req.path}`,
    requestId: String(req.id ?? ''),
  });
};

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Last stop for errors outside tRPC: body parsing, upload streams, file routes. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const requestId = String(req.id ?? '');
  const parser = error as BodyParserError;
  let mapped: unknown = error;
  if (parser.type === 'entity.parse.failed') {
    mapped = new AppError('BAD_REQUEST', 'INVALID_JSON', 'The request body is not valid JSON');
  } else if (parser.type === 'entity.too.large') {
    mapped = new AppError('PAYLOAD_TOO_LARGE', 'BODY_TOO_LARGE', 'The request body is too large');
  } else if (parser.status && parser.status >= 400 && parser.status < 500) {
    mapped = new AppError('BAD_REQUEST', 'VALIDATION_FAILED', 'The request could not be read');
  }
  const trpc = toTrpcError(mapped);
  if (isServerFault(trpc)) req.log?.error({ err: error }, 'request failed');
  const { status, body } = toPublicError(trpc, requestId);
  if (trpc instanceof AppError) for (const [k, v] of Object.entries(trpc.headers)) res.setHeader(k, v);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(status).json(body);
};
