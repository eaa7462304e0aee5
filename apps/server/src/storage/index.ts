export { createStorage, type StorageOptions } from './create-storage.ts';
export { createFilesRouter, type FilesRouterOptions } from './files.route.ts';
export {
  type AssetKeyParts,
  assertValidKey,
  assetKey,
  assetThumbnailKey,
  assetVariantKey,
  exportKey,
  isImmutableKey,
  isValidKey,
} from './keys.ts';
export { LocalDriver, type LocalDriverOptions } from './local.driver.ts';
export { S3Driver, type S3DriverOptions } from './s3.driver.ts';
export type * from './storage.types.ts';
export { isStorageError, StorageError, type StorageErrorCode, storageErrorCodes } from './storage-error.ts';
