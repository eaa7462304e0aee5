import { randomUUID } from 'node:crypto';
import { type UploadFields, type UploadResult, UploadResult as UploadResultSchema } from '@avatar/contracts';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/tables.ts';
import { AppError } from '../../http/errors.ts';
import { assetKey } from '../../storage/keys.ts';
import type { Deps } from '../../trpc/context.ts';
import { toAsset } from '../catalog/catalog.mapper.ts';
import { insertVersionRow } from '../catalog/catalog.publish.ts';
import * as catalog from '../catalog/catalog.repository.ts';
import { assertCategory, compareVersions, parseVersion } from '../catalog/catalog.service.ts';
import { loadDecoders } from './codecs.ts';
import { type PreparedAsset, prepareAsset } from './prepare-asset.ts';
import { sweepPendingSoon } from './sweep-pending.ts';
import { uploadLimits } from './upload-limits.ts';
import * as repo from './uploads.repository.ts';
import { sharedInspectorThread, sharedValidatorThread } from './validator-thread.ts';

export interface IncomingFile {
  bytes: Uint8Array;
  /** Known when the bytes were hashed while they streamed in. */
  sha256?: string;
}

/** How long an object may sit in storage ahead of its row before the sweep takes it for an orphan. */
const STORE_GRACE_SECONDS = 3600;

/**
 * The upload pipeline after the bytes have arrived: validate, inspect and hash (`prepareAsset`); refuse
 * the same bytes already in the catalog (409 naming the asset) or a version that is not newer; store the
 * GLB under its final key; insert the catalog row as `processing` and queue `asset.process` in one
 * transaction. A failure after the write removes the object; a crash between write and insert leaves a
 * pending record that the sweep turns into a removal. So: no object without a row, no row without an object.
 */
export async function ingestAsset(
  deps: Deps,
  uploadedBy: string | null,
  fields: UploadFields,
  file: IncomingFile,
): Promise<UploadResult> {
  assertCategory(fields.type, fields.category);
  sweepPendingSoon(deps);
  const threads = deps.config.UPLOAD_VALIDATOR_THREAD;
  const prepared = await prepareAsset(file.bytes, {
    limits: uploadLimits(deps.config),
    // On threads, the decoders are loaded there; in-process, here.
    validate: threads ? sharedValidatorThread().validate : undefined,
    inspect: threads ? sharedInspectorThread().inspect : undefined,
    dependencies: threads ? undefined : (await loadDecoders()).dependencies,
    sha256: file.sha256,
  });
  // Checked again under locks in the insert transaction; here they spare a write that would be undone.
  await refuseDuplicate(deps.db, prepared.sha256);
  await refuseOlderVersion(deps, fields);

  const id = randomUUID();
  const storageKey = assetKey({ type: fields.type, category: fields.category, version: fields.version, id });
  await repo.insertPending(deps.db, {
    kind: 'store',
    storage_key: storageKey,
    created_by: uploadedBy,
    expiresInSeconds: STORE_GRACE_SECONDS,
  });
  let row: Awaited<ReturnType<typeof insertVersionRow>>;
  try {
    const { glb } = prepared;
    await deps.storage.put(storageKey, Buffer.from(glb.buffer, glb.byteOffset, glb.byteLength), {
      contentType: 'model/gltf-binary',
      sha256: prepared.sha256,
      size: glb.byteLength,
    });
    row = await insertVersionRow(
      deps,
      newRow(id, storageKey, uploadedBy, fields, prepared),
      parseVersion(fields.version),
      {
        beforeInsert: async (trx) => {
          await repo.lockSha256(trx, prepared.sha256);
          await refuseDuplicate(trx, prepared.sha256);
        },
        afterInsert: async (trx, inserted) => {
          await repo.deletePendingByKey(trx, storageKey);
          await deps.jobs.send('asset.process', { assetId: inserted.id }, { trx });
        },
      },
    );
  } catch (error) {
    await discard(deps, storageKey);
    throw error;
  }
  // Committed: from here on the object belongs to the row.
  return UploadResultSchema.parse({
    ...(await toAsset(deps.storage, row)),
    validation: validationOf(prepared),
  });
}

function newRow(
  id: string,
  storageKey: string,
  uploadedBy: string | null,
  fields: UploadFields,
  prepared: PreparedAsset,
) {
  return {
    id,
    asset_type: fields.type,
    name: fields.name,
    key: fields.key,
    category: fields.category,
    tags: fields.tags,
    file_size: prepared.glb.byteLength,
    mime_type: 'model/gltf-binary',
    sha256: prepared.sha256,
    storage_key: storageKey,
    metadata: JSON.stringify({ ...prepared.metadata, validation: validationOf(prepared) }),
    status: 'processing' as const,
    status_reason: 'Waiting for the optimized variants',
    uploaded_by: uploadedBy,
  };
}

function validationOf({ report, sourceFormat }: PreparedAsset) {
  return {
    sourceFormat,
    warnings: report.warnings.slice(0, 50),
    infoCount: report.infoCount,
    hintCount: report.hintCount,
    validatorVersion: report.khronos?.version ?? null,
  };
}

async function refuseDuplicate(db: Deps['db'] | Transaction<Database>, sha256: string): Promise<void> {
  const duplicate = await catalog.findBySha256(db, sha256);
  if (!duplicate) return;
  throw new AppError(
    'CONFLICT',
    'DUPLICATE_ASSET',
    `The same file is already in the catalog as "${duplicate.key}" ${duplicate.version}`,
    { details: { existingId: duplicate.id, key: duplicate.key, version: duplicate.version } },
  );
}

async function refuseOlderVersion(deps: Deps, fields: UploadFields): Promise<void> {
  const latest = await catalog.latestVersion(deps.db, fields.key);
  if (latest && compareVersions(parseVersion(fields.version), parseVersion(latest.version)) <= 0) {
    throw new AppError(
      'CONFLICT',
      'VERSION_CONFLICT',
      `Version ${fields.version} of "${fields.key}" is not newer than its latest version ${latest.version}`,
    );
  }
}

/** Undoes the write; the pending record goes only once the object has, or the sweep retries later. */
async function discard(deps: Deps, storageKey: string): Promise<void> {
  try {
    await deps.storage.delete(storageKey);
    await repo.deletePendingByKey(deps.db, storageKey);
  } catch (error) {
    deps.logger.warn({ err: error, key: storageKey }, 'could not undo an upload; the pending sweep will');
  }
}
