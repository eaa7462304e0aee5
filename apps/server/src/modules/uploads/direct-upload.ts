import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type { CompleteUploadInput, InitUploadInput, InitUploadResult, UploadResult } from '@avatar/contracts';
import type { Request } from 'express';
import { AppError } from '../../http/errors.ts';
import { isStorageError } from '../../storage/storage-error.ts';
import type { Deps } from '../../trpc/context.ts';
import { ingestAsset } from './ingest-asset.ts';
import { tooLarge } from './multipart.ts';
import { presignPost } from './presign-post.ts';
import { sweepPendingSoon } from './sweep-pending.ts';
import * as repo from './uploads.repository.ts';

/** After the upload link expires, `complete` may still come this long before the sweep takes the file. */
const COMPLETE_GRACE_SECONDS = 3600;

const incomingKey = (uploadId: string) => `incoming/${uploadId}.bin`;

/** What the file must be sent as: the bytes are sniffed and validated at `complete`, whatever they claim. */
const UPLOAD_CONTENT_TYPE = 'application/octet-stream';

/**
 * Local-storage PUTs this process is receiving: a second PUT while the first still streams is refused like
 * one after it (the storage head below only sees a finished write).
 */
const receiving = new Set<string>();

const uploadNotFound = () =>
  new AppError('NOT_FOUND', 'ROUTE_NOT_FOUND', 'No pending upload with this id (it may have expired)');

/**
 * `POST /resources/upload/init`: where to send a large file straight into storage, under a fresh key in
 * `incoming/`, without it passing through an API process. S3 gets a presigned POST policy bound to that key,
 * the content type and the exact size; local storage gets our own signed route
 * (`PUT /resources/upload/direct/:uploadId`), which enforces the same. Neither can reach a published key.
 * Nothing is validated yet: `complete` does that.
 */
export async function initUpload(
  deps: Deps,
  userId: string,
  input: InitUploadInput,
): Promise<InitUploadResult> {
  const maxBytes = deps.config.MAX_UPLOAD_BYTES;
  if (input.size > maxBytes) throw tooLarge(maxBytes);
  sweepPendingSoon(deps);
  const expiresIn = deps.config.UPLOAD_DIRECT_EXPIRY_SECONDS;
  const uploadId = randomUUID();
  const key = incomingKey(uploadId);
  await repo.insertPending(deps.db, {
    id: uploadId,
    kind: 'direct',
    storage_key: key,
    created_by: userId,
    expected_size: input.size,
    filename: input.filename ?? null,
    expiresInSeconds: expiresIn + COMPLETE_GRACE_SECONDS,
  });
  const exp = Math.floor(Date.now() / 1000) + expiresIn;
  const common = {
    uploadId,
    contentType: UPLOAD_CONTENT_TYPE,
    expiresAt: new Date(exp * 1000).toISOString(),
    maxBytes,
  };
  if (deps.storage.kind === 's3') {
    const { url, fields } = await presignPost(deps.config, {
      key,
      contentType: UPLOAD_CONTENT_TYPE,
      size: input.size,
      expiresAt: new Date(exp * 1000),
    });
    return { ...common, method: 'POST', url, fields };
  }
  const base = deps.config.PUBLIC_URL.replace(/\/+$/, '');
  return {
    ...common,
    method: 'PUT',
    url: `${base}/resources/upload/direct/${uploadId}?exp=${exp}&sig=${sign(deps, uploadId, exp)}`,
    headers: { 'content-type': UPLOAD_CONTENT_TYPE },
  };
}

/**
 * `PUT /resources/upload/direct/:uploadId` (local storage only): the signature in the query is the only
 * access check, as with an S3 presigned request. Like the S3 POST policy it binds the content type and the
 * exact announced size; unlike S3 it also takes the file once only (a second PUT is 409), and after
 * `complete` the upload is gone (404).
 */
export async function receiveDirectUpload(
  deps: Deps,
  req: Request,
): Promise<{ uploadId: string; size: number }> {
  const uploadId = String(req.params.uploadId ?? '');
  const exp = typeof req.query.exp === 'string' ? req.query.exp : '';
  const sig = typeof req.query.sig === 'string' ? req.query.sig : '';
  if (!/^[0-9a-f-]{36}$/.test(uploadId) || !verify(deps, uploadId, exp, sig)) {
    throw new AppError('FORBIDDEN', 'VALIDATION_FAILED', 'This upload link is not valid or has expired');
  }
  const pending = await repo.findPending(deps.db, uploadId);
  if (pending?.kind !== 'direct') throw uploadNotFound();
  // type-is (through Express) compares the media type and ignores parameters such as `charset`.
  if (!req.is(UPLOAD_CONTENT_TYPE)) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'VALIDATION_FAILED',
      `Send the file as Content-Type: ${UPLOAD_CONTENT_TYPE}, as init said`,
    );
  }
  const expected = Number(pending.expected_size);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > expected) throw tooLarge(expected);
  if (declared !== undefined && Number(declared) < expected) {
    throw new AppError('BAD_REQUEST', 'VALIDATION_FAILED', `Send exactly ${expected} bytes, as announced`);
  }
  const alreadyReceived = () =>
    new AppError(
      'CONFLICT',
      'INVALID_STATE',
      'This upload has already received its file; call complete, or start a new upload',
    );
  if (receiving.has(uploadId)) throw alreadyReceived();
  receiving.add(uploadId);
  try {
    if (await deps.storage.head(pending.storage_key)) throw alreadyReceived();
    const stored = await deps.storage.put(pending.storage_key, req, {
      contentType: UPLOAD_CONTENT_TYPE,
      size: expected,
    });
    return { uploadId, size: stored.size };
  } catch (error) {
    if (isStorageError(error, 'CHECKSUM_MISMATCH')) {
      // The driver stops at the first byte past the announced size; a short body ends on its own.
      const over = (error.message ?? '').includes('more than');
      if (over) throw tooLarge(expected);
      throw new AppError('BAD_REQUEST', 'VALIDATION_FAILED', `Send exactly ${expected} bytes, as announced`);
    }
    throw error;
  } finally {
    receiving.delete(uploadId);
  }
}

/**
 * `POST /resources/upload/complete`: the upload pipeline on the file sent after `init`. The incoming object
 * goes once the asset is stored, or once the file itself is refused; after any other failure (a version
 * conflict, a 503) it stays, so `complete` can be called again.
 */
export async function completeUpload(
  deps: Deps,
  userId: string,
  input: CompleteUploadInput,
): Promise<UploadResult> {
  const { uploadId, ...fields } = input;
  const pending = await repo.findPending(deps.db, uploadId);
  // Only the admin who started the upload finishes it; anyone else's id answers as a missing one.
  if (pending?.kind !== 'direct' || pending.created_by !== userId) throw uploadNotFound();
  const head = await deps.storage.head(pending.storage_key);
  if (!head) {
    throw new AppError(
      'CONFLICT',
      'INVALID_STATE',
      'Nothing has been uploaded yet: send the file to the URL from init',
    );
  }
  try {
    if (head.size > deps.config.MAX_UPLOAD_BYTES) throw tooLarge(deps.config.MAX_UPLOAD_BYTES);
    if (pending.expected_size !== null && head.size !== Number(pending.expected_size)) {
      throw new AppError(
        'UNPROCESSABLE_CONTENT',
        'INVALID_ASSET',
        `The stored file is not the ${pending.expected_size} bytes announced`,
      );
    }
    const bytes = new Uint8Array(await buffer((await deps.storage.get(pending.storage_key)).stream));
    const result = await ingestAsset(deps, userId, fields, { bytes });
    await forget(deps, pending.id, pending.storage_key);
    return result;
  } catch (error) {
    if (error instanceof AppError && FILE_REFUSED.has(error.reason))
      await forget(deps, pending.id, pending.storage_key);
    throw error;
  }
}

async function forget(deps: Deps, id: string, key: string): Promise<void> {
  try {
    await deps.storage.delete(key);
    await repo.deletePending(deps.db, id);
  } catch (error) {
    deps.logger.warn({ err: error, key }, 'could not remove an incoming upload; the pending sweep will');
  }
}

/** Refusals of the file itself: it will never be accepted as it is. (A bad field or version can be retried.) */
const FILE_REFUSED = new Set<string>(['INVALID_ASSET', 'BODY_TOO_LARGE', 'DUPLICATE_ASSET']);

function secret(deps: Deps): string {
  return `uploads:${deps.config.SESSION_SECRET}`;
}

function sign(deps: Deps, uploadId: string, exp: number): string {
  return createHmac('sha256', secret(deps)).update(`upload/v1\n${uploadId}\n${exp}`).digest('base64url');
}

function verify(deps: Deps, uploadId: string, exp: string, sig: string): boolean {
  if (!/^\d{1,12}$/.test(exp) || Number(exp) * 1000 <= Date.now()) return false;
  const expected = Buffer.from(sign(deps, uploadId, Number(exp)));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
