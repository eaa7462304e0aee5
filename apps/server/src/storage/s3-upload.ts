import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Client } from 'minio';
import { consumeBody, SourceFailed, verifyConsumed } from './consume-body.ts';
import { fromS3Error } from './s3-errors.ts';
import type { PutOptions, PutResult } from './storage.types.ts';

/**
 * Streams `body` to `bucket/key`, holding at most one part in memory. A body smaller than a part goes up in
 * one PUT, its hash known first and stored as `x-amz-meta-sha256`; a larger one as a multipart upload that
 * is completed only once size and hash check out, so a bad or broken stream never becomes an object.
 * (The client's own putObject lists pending uploads first, which s3rver and some gateways refuse.)
 */
export async function uploadObject(
  client: Client,
  bucket: string,
  key: string,
  body: Readable | Buffer,
  options: PutOptions,
  partSize: number,
): Promise<PutResult> {
  const headers: Record<string, string> = { 'Content-Type': options.contentType };
  if (options.cacheControl) headers['Cache-Control'] = options.cacheControl;
  if (options.sha256) headers['x-amz-meta-sha256'] = options.sha256.toLowerCase();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let uploadId: string | undefined;
  const parts: { part: number; etag: string }[] = [];

  const sendPart = async () => {
    const chunk = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    uploadId ??= await client.initiateNewMultipartUpload(bucket, key, headers);
    const part = parts.length + 1;
    const md5 = createHash('md5').update(chunk).digest('base64');
    const sent = await client.uploadPart(
      {
        bucketName: bucket,
        objectName: key,
        uploadID: uploadId,
        partNumber: part,
        headers: { 'Content-Length': chunk.length, 'Content-MD5': md5 },
      },
      chunk,
    );
    parts.push({ part, etag: sent.etag });
  };

  try {
    const consumed = await consumeBody(body, options.size, async (chunk) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= partSize) await sendPart();
    });
    verifyConsumed(consumed, options);
    let etag: string;
    if (uploadId === undefined) {
      headers['x-amz-meta-sha256'] = consumed.sha256;
      const whole = Buffer.concat(pending, pendingBytes);
      etag = (await client.putObject(bucket, key, whole, whole.length, headers)).etag;
    } else {
      if (pendingBytes > 0) await sendPart();
      etag = (await client.completeMultipartUpload(bucket, key, uploadId, parts)).etag;
    }
    return { key, size: consumed.size, sha256: consumed.sha256, etag };
  } catch (error) {
    // Best effort: some servers (s3rver) cannot abort; a bucket lifecycle rule reaps what is left.
    if (uploadId) await client.abortMultipartUpload(bucket, key, uploadId).catch(() => {});
    if (error instanceof SourceFailed) throw error.error;
    throw fromS3Error(error);
  }
}
