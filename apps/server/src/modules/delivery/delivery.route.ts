import { type Request, type Response, Router } from 'express';
import { AppError, toPublicError } from '../../http/errors.ts';
import { parseRangeHeader } from '../../storage/range.ts';
import { sendStream } from '../../storage/send-stream.ts';
import { isStorageError } from '../../storage/storage-error.ts';
import * as repo from './delivery.repository.ts';
import { type DeliveryDeps, deliver, type ReadyDelivery } from './delivery.service.ts';
import { recordDeliveryRequest } from './delivery-metrics.ts';

const FILE = /^(.+)\.glb$/;

/**
 * `GET/HEAD /avatars/{publicId}.glb`: the avatar's GLB shaped by the query, cached by content. Plain
 * Express rather than tRPC: a binary body, ranges, conditional requests and CDN headers.
 */
export function createDeliveryRouter(deps: DeliveryDeps): Router {
  const router = Router();
  router.get('/avatars/:file', (req, res) => serve(deps, req, res));
  return router;
}

async function serve(deps: DeliveryDeps, req: Request, res: Response): Promise<void> {
  // Loaded by games and web apps on other origins; the URL itself is the only credential.
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'ETag, Content-Length, Content-Range, Accept-Ranges');
  const match = FILE.exec(String(req.params.file));
  let ready: ReadyDelivery;
  try {
    if (!match) throw new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'No avatar is published at this URL');
    ready = await deliver(deps, match[1]!, req.query as Record<string, unknown>);
  } catch (error) {
    recordDeliveryRequest('error');
    return sendError(deps, req, res, error);
  }

  const etag = `"${ready.sha256}"`;
  const headers: Record<string, string> = {
    ETag: etag,
    'Cache-Control': ready.cacheControl,
    'Accept-Ranges': 'bytes',
    'Content-Type': 'model/gltf-binary',
    'X-Content-Type-Options': 'nosniff',
    'X-Cache': ready.hit ? 'HIT' : 'MISS',
  };
  if (matches(req.headers['if-none-match'], etag)) {
    recordDeliveryRequest('not_modified');
    res.status(304).set(headers).end();
    return;
  }
  recordDeliveryRequest(ready.hit ? 'hit' : 'miss');
  const ifRange = req.headers['if-range'];
  const range = ifRange && ifRange !== etag ? null : parseRangeHeader(req.headers.range, ready.bytes);
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${ready.bytes}`);
    const error = new AppError(
      'BAD_REQUEST',
      'VALIDATION_FAILED',
      'The requested byte range is not satisfiable',
    );
    res
      .status(416)
      .set('Cache-Control', 'no-store')
      .json(toPublicError(error, String(req.id ?? '')).body);
    return;
  }
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${ready.bytes}`;
  headers['Content-Length'] = String(range ? range.end - range.start + 1 : ready.bytes);
  if (req.method === 'HEAD') {
    res
      .status(range ? 206 : 200)
      .set(headers)
      .end();
    return;
  }
  try {
    const file = await deps.storage.get(ready.storageKey, range ? { range } : {});
    res.status(range ? 206 : 200).set(headers);
    await sendStream(file.stream, res);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // The object went missing under a ready row (a manual cleanup): forget the row, so the next request builds.
    if (isStorageError(error, 'NOT_FOUND')) {
      const key = FILE.exec(ready.storageKey.split('/').pop() ?? '')?.[1];
      if (key) await repo.forgetEntry(deps.db, key).catch(() => {});
    }
    sendError(deps, req, res, error);
  }
}

/** RFC 9110 13.1.2: weak comparison, a list of tags, or "*". */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

function sendError(deps: DeliveryDeps, req: Request, res: Response, error: unknown): void {
  const { status, body } = toPublicError(error, String(req.id ?? ''));
  if (status >= 500) (req.log ?? deps.logger).error({ err: error }, 'avatar delivery failed');
  if (error instanceof AppError) for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v);
  res.status(status).set('Cache-Control', 'no-store').json(body);
}
