import type { Config } from '../../config/config.ts';
import { createS3Client } from '../../storage/s3-client.ts';
import { fromS3Error } from '../../storage/s3-errors.ts';

export interface PresignPostOptions {
  key: string;
  contentType: string;
  /** Exact byte count: the policy's content-length-range is [size, size]. */
  size: number;
  expiresAt: Date;
}

/**
 * A presigned S3 POST policy, from the same settings the S3 driver uses. Unlike a presigned PUT (which binds
 * only the key), the signed policy binds the bucket, the key, the content type and the exact size, and S3
 * refuses any form that does not match it. Kept out of the storage drivers: only direct uploads need it,
 * and the local driver has no equivalent (it gets our own signed route).
 */
export async function presignPost(
  config: Config,
  options: PresignPostOptions,
): Promise<{ url: string; fields: Record<string, string> }> {
  const client = createS3Client({
    endpoint: config.S3_ENDPOINT!,
    region: config.S3_REGION,
    accessKey: config.S3_ACCESS_KEY!,
    secretKey: config.S3_SECRET_KEY!,
    pathStyle: config.S3_PATH_STYLE,
    requestTimeoutMs: 30_000,
  });
  const policy = client.newPostPolicy();
  policy.setBucket(config.S3_BUCKET);
  policy.setKey(options.key);
  policy.setContentType(options.contentType);
  policy.setContentLengthRange(options.size, options.size);
  policy.setExpires(options.expiresAt);
  try {
    const signed = await client.presignedPostPolicy(policy);
    return { url: signed.postURL, fields: { ...signed.formData } };
  } catch (error) {
    throw fromS3Error(error);
  }
}
