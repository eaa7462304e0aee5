import { LocalDriver, type LocalDriverOptions } from './local.driver.ts';
import { S3Driver, type S3DriverOptions } from './s3.driver.ts';

export type StorageOptions = ({ mode: 's3' } & S3DriverOptions) | ({ mode: 'local' } & LocalDriverOptions);

/**
 * Picks the driver from already-parsed configuration (the config layer owns the environment). The return
 * type follows `mode`, so `main.ts` can reach `ensureBucket()` or mount the files router for `LocalDriver`.
 */
export function createStorage(options: { mode: 's3' } & S3DriverOptions): S3Driver;
export function createStorage(options: { mode: 'local' } & LocalDriverOptions): LocalDriver;
export function createStorage(options: StorageOptions): S3Driver | LocalDriver;
export function createStorage(options: StorageOptions): S3Driver | LocalDriver {
  const { mode, ...rest } = options;
  return mode === 's3' ? new S3Driver(rest as S3DriverOptions) : new LocalDriver(rest as LocalDriverOptions);
}
