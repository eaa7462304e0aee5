import path from 'node:path';
import type { Config } from '../config/config.ts';
import { createStorage } from './create-storage.ts';
import type { LocalDriver } from './local.driver.ts';
import type { S3Driver } from './s3.driver.ts';

/** The storage driver the configuration names. */
export function storageFromConfig(config: Config): S3Driver | LocalDriver {
  if (config.ASSET_STORAGE_MODE === 's3') {
    return createStorage({
      mode: 's3',
      endpoint: config.S3_ENDPOINT!,
      region: config.S3_REGION,
      accessKey: config.S3_ACCESS_KEY!,
      secretKey: config.S3_SECRET_KEY!,
      bucket: config.S3_BUCKET,
      pathStyle: config.S3_PATH_STYLE,
      cdnUrl: config.ASSET_CDN_URL,
      defaultExpiresInSeconds: config.SIGNED_URL_EXPIRY_SECONDS,
    });
  }
  return createStorage({
    mode: 'local',
    root: path.resolve(config.LOCAL_ASSETS_PATH),
    publicBaseUrl: config.PUBLIC_URL,
    signingSecret: `files:${config.SESSION_SECRET}`,
    defaultExpiresInSeconds: config.SIGNED_URL_EXPIRY_SECONDS,
  });
}
