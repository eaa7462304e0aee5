import type { Config } from '../../config/config.ts';
import { createS3Client } from '../../storage/s3-client.ts';
import { fromS3Error } from '../../storage/s3-errors.ts';

/**
 * A presigned S3 PUT for `key`, from the same settings the S3 driver uses. Kept out of the storage drivers:
 * only direct uploads need it, and the local driver has no equivalent (it gets our own signed route).
 */
export async function presignPut(config: Config, key: string, expiresInSeconds: number): Promise<string> {
  const client = createS3Client({
    endpoint: config.S3_ENDPOINT!,
    region: config.S3_REGION,
    accessKey: config.S3_ACCESS_KEY!,
    secretKey: config.S3_SECRET_KEY!,
    pathStyle: config.S3_PATH_STYLE,
    requestTimeoutMs: 30_000,
  });
  try {
    return await client.presignedPutObject(config.S3_BUCKET, key, expiresInSeconds);
  } catch (error) {
    throw fromS3Error(error);
  }
}
