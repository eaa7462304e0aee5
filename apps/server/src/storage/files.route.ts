import type { ErrorBody, ErrorCode, ErrorReason } from '@avatar/contracts';
import { type Request, type Response, Router } from 'express';
import { isImmutableKey, isValidKey } from './keys.ts';
import type { LocalDriver, ServedObject } from './local.driver.ts';
import { parseRangeHeader } from './range.ts';
import { sendStream } from './send-stream.ts';
import { StorageError } from './storage-error.ts';

export interface FilesRouterOptions {
  storage: LocalDriver;
  /** Told about server-side failures (not 4xx, not clients hanging up); wire it to the request logger. */
  onError?: (error: unknown, req: Request) => void;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * `GET/HEAD /files/*key` for the local driver: what S3 or a CDN does for the s3 driver. The signature in the
 * query is the only access check, exactly like a presigned S3 URL.
 */
export function createFilesRouter(options: FilesRouterOptions): Router {
  const { storage } = options;
  const router = Router();

  router.get('/files/*key', async (req, res) => {
    const key = req.params.key.join('/');
    const exp = firstString(req.query.exp);
    const check = storage.verifySignedUrl(key, exp, firstString(req.query.sig));
    if (check !== 'valid') {
      const message = check === 'expired' ? 'This file link has expired' : 'This file link is not valid';
      return sendError(req, res, 403, 'FORBIDDEN', message);
    }
    if (!isValidKey(key)) return sendError(req, res, 404, 'NOT_FOUND', 'The file was not found');

    let served: ServedObject | null = null;
    try {
      served = await storage.openForServing(key);
      if (!served) return sendError(req, res, 404, 'NOT_FOUND', 'The file was not found');
      const { info } = served;
      const etag = `"${info.etag}"`;
      const headers: Record<string, string> = {
        ETag: etag,
        'Cache-Control': cacheControl(key, info.cacheControl, Number(exp) - Math.floor(Date.now() / 1000)),
        'Last-Modified': info.lastModified.toUTCString(),
        'Accept-Ranges': 'bytes',
        'Content-Type': info.contentType,
        // Files come from users (SVG exports among them) yet share the app's origin: never run them.
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      };
      if (matchesAny(req.headers['if-none-match'], info.etag)) {
        await served.close();
        delete headers['Content-Type'];
        res.status(304).set(headers).end();
        return;
      }

      const ifRange = req.headers['if-range'];
      const range = ifRange && ifRange !== etag ? null : parseRangeHeader(req.headers.range, info.size);
      if (range === 'unsatisfiable') {
        await served.close();
        res.setHeader('Content-Range', `bytes */${info.size}`);
        return sendError(req, res, 416, 'BAD_REQUEST', 'The requested byte range is not satisfiable');
      }
      headers['Content-Length'] = String(range ? range.end - range.start + 1 : info.size);
      if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${info.size}`;
      res.status(range ? 206 : 200).set(headers);
      if (req.method === 'HEAD') {
        await served.close();
        res.end();
        return;
      }
      // The stream reads the inode opened above, so the ETag describes exactly the bytes sent.
      const stream = served.read(range ?? undefined);
      served = null;
      await sendStream(stream, res);
    } catch (error) {
      await served?.close();
      if (res.headersSent) {
        // Mid-body: cut the connection so the client sees a short transfer, never a "complete" wrong file.
        res.destroy();
        if ((error as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE')
          options.onError?.(error, req);
        return;
      }
      const status = storageStatus(error);
      if (status.status >= 500) options.onError?.(error, req);
      return sendError(req, res, status.status, status.code, status.message, status.reason);
    }
  });

  return router;
}

/** Immutable assets are cached forever; anything else privately, no longer than its link lives. */
function cacheControl(key: string, stored: string | null, secondsLeft: number): string {
  if (isImmutableKey(key)) return IMMUTABLE;
  return stored ?? `private, max-age=${Math.max(0, secondsLeft)}`;
}

/** RFC 9110 13.1.2: If-None-Match compares weakly and may list several tags or be "*". */
function matchesAny(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === `"${etag}"`;
  });
}

function storageStatus(error: unknown): {
  status: number;
  code: ErrorCode;
  message: string;
  reason?: ErrorReason;
} {
  const code = error instanceof StorageError ? error.code : 'INTERNAL';
  switch (code) {
    case 'NOT_FOUND':
    case 'INVALID_KEY':
      return { status: 404, code: 'NOT_FOUND', message: 'The file was not found' };
    case 'INVALID_RANGE':
      return { status: 416, code: 'BAD_REQUEST', message: 'The requested byte range is not satisfiable' };
    case 'UNAVAILABLE':
      return {
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'File storage is unavailable; try again',
        reason: 'STORAGE_UNAVAILABLE',
      };
    default:
      return {
        status: 500,
        code: 'INTERNAL_SERVER_ERROR',
        message: 'Something went wrong on our side; try again',
      };
  }
}

function sendError(
  req: Request,
  res: Response,
  status: number,
  code: ErrorCode,
  message: string,
  reason?: ErrorReason,
): void {
  const requestId = (req as { id?: unknown }).id;
  const error: ErrorBody = {
    code,
    message,
    ...(reason ? { reason } : {}),
    ...(typeof requestId === 'string' || typeof requestId === 'number'
      ? { requestId: String(requestId) }
      : {}),
  };
  // The same top-level error body every other route answers with.
  res.status(status).set('Cache-Control', 'no-store').json(error);
}

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}
