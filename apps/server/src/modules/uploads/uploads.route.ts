import { UploadFields } from '@avatar/contracts';
import { type Request, type Response, Router } from 'express';
import { AppError } from '../../http/errors.ts';
import type { Deps } from '../../trpc/context.ts';
import { idempotencyFrom, idempotent } from '../integrity/idempotency.ts';
import { receiveDirectUpload } from './direct-upload.ts';
import { ingestAsset } from './ingest-asset.ts';
import { ClientGone, readMultipartUpload, tooLarge } from './multipart.ts';
import { requireAdmin } from './upload-auth.ts';
import { sharedInspectorThread, sharedValidatorThread } from './validator-thread.ts';

const FIELD_NAMES = Object.keys(UploadFields.shape);
/** Room for the text fields and multipart boundaries on top of the file itself. */
const FORM_OVERHEAD = 64 * 1024;

/**
 * The binary upload routes, outside tRPC: `POST /resources/upload` (multipart, admin; honours an
 * `Idempotency-Key` header as `complete` does) and, for local storage,
 * `PUT /resources/upload/direct/:uploadId` (the target of `init`'s signed URL). Mount before the JSON body
 * parser. Errors go to the shared error handler; a refusal before the body has been read also closes the
 * connection, so the server stops reading what it has already refused.
 */
export function createUploadsRouter(deps: Deps): Router {
  const router = Router();
  if (deps.config.UPLOAD_VALIDATOR_THREAD) {
    sharedValidatorThread().warmUp();
    sharedInspectorThread().warmUp();
  }

  router.post('/resources/upload', async (req, res, next) => {
    try {
      const auth = await requireAdmin(deps, req);
      const maxBytes = deps.config.MAX_UPLOAD_BYTES;
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes + FORM_OVERHEAD) throw tooLarge(maxBytes);
      const { fields, file } = await readMultipartUpload(req, {
        maxFileBytes: maxBytes,
        fieldNames: FIELD_NAMES,
        fileField: 'file',
      });
      const parsed = UploadFields.safeParse(fields);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
        throw new AppError(
          'BAD_REQUEST',
          'VALIDATION_FAILED',
          `Invalid input: ${where}${issue?.message ?? 'invalid'}`,
        );
      }
      // Same key, same bytes and fields: the first answer; the form is compared as parsed, the file by hash.
      const scope = idempotencyFrom({ db: deps.db, config: deps.config, req, res, auth }, 'upload.create');
      const result = await idempotent(scope, { sha256: file.sha256, fields: parsed.data }, () =>
        ingestAsset(deps, auth.user.id, parsed.data, file),
      );
      res.status(201).json(result);
    } catch (error) {
      refuse(req, res, error, next);
    }
  });

  router.put('/resources/upload/direct/:uploadId', async (req, res, next) => {
    if (deps.storage.kind !== 'local') return next(); // S3 takes these PUTs itself
    try {
      res.json(await receiveDirectUpload(deps, req));
    } catch (error) {
      refuse(req, res, error, next);
    }
  });

  return router;
}

function refuse(req: Request, res: Response, error: unknown, next: (error: unknown) => void): void {
  if (error instanceof ClientGone) {
    req.log?.info('client disconnected during an upload; nothing was stored');
    return;
  }
  // Unread body left: answer, then close instead of reading on (Node closes after the answer is sent).
  if (!req.complete) res.setHeader('Connection', 'close');
  next(error);
}
