import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Driver } from './s3.driver.ts';
import { createS3Client } from './s3-client.ts';
import { storageContract } from './storage.contract.ts';
import { expectStorageError, failingStream, patternStream } from './storage.test-streams.ts';
import { closedPort, type S3Target, silentServer, startS3Target } from './storage.test-support.ts';

storageContract('s3 driver', async (now) => {
  const target = await startS3Target();
  const storage = new S3Driver({ ...target, partSize: 5 * 1024 * 1024, now });
  await storage.ensureBucket();
  return { storage, close: target.close, verifiesSignatures: target.verifiesSignatures };
});

describe('s3 driver', () => {
  let target: S3Target;
  beforeAll(async () => {
    target = await startS3Target();
  });
  afterAll(() => target.close());

  it('reports an unreachable endpoint as UNAVAILABLE, quickly', { timeout: 5_000 }, async () => {
    const port = await closedPort();
    const storage = new S3Driver({
      ...target,
      endpoint: `http://127.0.0.1:${port}`,
      requestTimeoutMs: 1_000,
    });
    const error = await expectStorageError(storage.ping(), 'UNAVAILABLE');
    expect(error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    await expectStorageError(storage.head('exports/u/x.glb'), 'UNAVAILABLE');
    await expectStorageError(
      storage.put('exports/u/x.glb', Buffer.from('x'), { contentType: 'x/y' }),
      'UNAVAILABLE',
    );
  });

  it('gives up on an endpoint that accepts but never answers', { timeout: 5_000 }, async () => {
    const hung = await silentServer();
    try {
      const storage = new S3Driver({
        ...target,
        endpoint: `http://127.0.0.1:${hung.port}`,
        requestTimeoutMs: 300,
      });
      await expectStorageError(storage.get('exports/u/x.glb'), 'UNAVAILABLE');
    } finally {
      await hung.close();
    }
  });

  it('reports wrong credentials as ACCESS_DENIED without the server wording', async (ctx) => {
    if (!target.verifiesSignatures) ctx.skip();
    const storage = new S3Driver({ ...target, secretKey: 'definitely-wrong' });
    const error = await expectStorageError(storage.list(''), 'ACCESS_DENIED');
    expect(error.message).toBe('File storage refused the request');
  });

  it('reports a missing bucket as UNAVAILABLE from ping, and ensureBucket creates it', async () => {
    const bucket = `missing-${Date.now()}`;
    const storage = new S3Driver({ ...target, bucket });
    await expectStorageError(storage.ping(), 'UNAVAILABLE');
    await storage.ensureBucket();
    await storage.ensureBucket();
    await expect(storage.ping()).resolves.toBeUndefined();
    const admin = createS3Client({
      ...target,
      region: 'us-east-1',
      pathStyle: true,
      requestTimeoutMs: 5_000,
    });
    await admin.removeBucket(bucket);
  });

  it('never completes a multipart upload whose source fails or whose hash is wrong', async () => {
    const storage = new S3Driver({ ...target, partSize: 5 * 1024 * 1024 });
    const key = `test/multipart-${Date.now()}.bin`;
    const boom = new Error('gone after two parts');
    await expect(
      storage.put(key, failingStream(11 * 1024 * 1024, boom), { contentType: 'x/y' }),
    ).rejects.toBe(boom);
    expect(await storage.head(key)).toBeNull();
    await expectStorageError(
      storage.put(key, patternStream(11 * 1024 * 1024), { contentType: 'x/y', sha256: '0'.repeat(64) }),
      'CHECKSUM_MISMATCH',
    );
    expect(await storage.head(key)).toBeNull();
  });

  it('stores the sha256 of a multipart upload when it is given up front', async () => {
    const storage = new S3Driver({ ...target, partSize: 5 * 1024 * 1024 });
    const key = `test/multipart-known-${Date.now()}.bin`;
    const first = await storage.put(key, patternStream(6 * 1024 * 1024), { contentType: 'x/y' });
    expect((await storage.head(key))?.sha256).toBeNull();
    await storage.put(key, patternStream(6 * 1024 * 1024), { contentType: 'x/y', sha256: first.sha256 });
    expect((await storage.head(key))?.sha256).toBe(first.sha256);
    await storage.delete(key);
  });

  it('hands out CDN URLs for published assets only', async () => {
    const storage = new S3Driver({ ...target, cdnUrl: 'https://cdn.example.com/' });
    expect(await storage.url('assets/hair/short/1.0.0/a b.glb')).toBe(
      'https://cdn.example.com/assets/hair/short/1.0.0/a%20b.glb',
    );
    const exportUrl = new URL(await storage.url('exports/u1/e1.png', { expiresInSeconds: 600 }));
    expect(exportUrl.origin).toBe(new URL(target.endpoint).origin);
    expect(exportUrl.searchParams.get('X-Amz-Expires')).toBe('600');
  });
});
