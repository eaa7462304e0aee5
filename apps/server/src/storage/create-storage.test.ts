import { describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.ts';
import { LocalDriver } from './local.driver.ts';
import { S3Driver } from './s3.driver.ts';
import { StorageError } from './storage-error.ts';

describe('createStorage', () => {
  it('builds the driver the mode names, without touching the network or the disk', () => {
    const s3 = createStorage({
      mode: 's3',
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      accessKey: 'a',
      secretKey: 'b',
      bucket: 'assets',
    });
    expect(s3).toBeInstanceOf(S3Driver);
    expect(s3.kind).toBe('s3');
    const local = createStorage({
      mode: 'local',
      root: '/nonexistent/storage',
      publicBaseUrl: 'http://127.0.0.1:3000',
      signingSecret: 'x'.repeat(32),
    });
    expect(local).toBeInstanceOf(LocalDriver);
    expect(local.kind).toBe('local');
  });

  it('refuses options it cannot work with', () => {
    const s3 = { mode: 's3' as const, accessKey: 'a', secretKey: 'b', bucket: 'assets' };
    expect(() => createStorage({ ...s3, endpoint: 'not a url' })).toThrow(StorageError);
    expect(() => createStorage({ ...s3, endpoint: 'http://minio:9000/some/path' })).toThrow(StorageError);
    expect(() =>
      createStorage({ mode: 'local', root: '/tmp/x', publicBaseUrl: 'http://x', signingSecret: 'short' }),
    ).toThrow(StorageError);
  });
});
