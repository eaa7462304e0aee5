import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { type S3Target, startS3Target } from '../../storage/storage.test-support.ts';
import { FIELDS, fixture, freshKey, snapshot } from './uploads.test-support.ts';

const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

function api(app: TestApp, token: string, path: string, body: unknown) {
  return fetch(`${app.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function init(app: TestApp, token: string, size: number) {
  const res = await api(app, token, '/resources/upload/init', { size, filename: 'model.glb' });
  expect(res.status).toBe(200);
  return json(res);
}

const fields = () => ({ ...FIELDS, tags: ['direct'], key: freshKey('direct') });

describe('direct uploads, local storage', () => {
  let app: TestApp;
  let admin: { token: string };

  beforeAll(async () => {
    app = await startTestApp({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    admin = await app.userWithToken('admin');
  });
  afterAll(() => app?.close());

  it('init gives a signed PUT to our own route; complete runs the pipeline and tidies up', async () => {
    const bytes = fixture('Fox.glb');
    const started = await init(app, admin.token, bytes.length);
    expect(started).toMatchObject({
      method: 'PUT',
      maxBytes: MAX_UPLOAD_BYTES,
      uploadId: expect.any(String),
    });
    expect(started.url).toMatch(
      new RegExp(`^${app.baseUrl}/resources/upload/direct/${started.uploadId}\\?exp=\\d+&sig=`),
    );
    const put = await fetch(started.url, { method: 'PUT', headers: started.headers, body: bytes });
    expect(put.status).toBe(200);
    expect(await app.storage.head(`incoming/${started.uploadId}.bin`)).toMatchObject({ size: bytes.length });

    const done = await api(app, admin.token, '/resources/upload/complete', {
      uploadId: started.uploadId,
      ...fields(),
    });
    expect(done.status).toBe(200);
    const asset = await json(done);
    expect(asset).toMatchObject({
      status: 'processing',
      tags: ['direct'],
      validation: { sourceFormat: 'glb' },
    });
    expect(asset.metadata.skins[0].jointCount).toBe(23);
    const after = await snapshot(app);
    expect(after.objects).toEqual([`assets/hair/short/1.0.0/${asset.id}.glb`]);
    expect(after.pending).toEqual([]);
  });

  it('refuses a PUT with a forged or expired signature, or to an unknown upload', async () => {
    const started = await init(app, admin.token, 100);
    const forged = started.url.replace(/sig=[^&]+/, 'sig=AAAA');
    expect((await fetch(forged, { method: 'PUT', body: new Uint8Array(100) })).status).toBe(403);
    const expired = started.url.replace(/exp=\d+/, 'exp=1000');
    expect((await fetch(expired, { method: 'PUT', body: new Uint8Array(100) })).status).toBe(403);
    const elsewhere = started.url.replace(started.uploadId, '00000000-0000-4000-8000-000000000000');
    expect((await fetch(elsewhere, { method: 'PUT', body: new Uint8Array(100) })).status).toBe(403);
  });

  it('takes exactly the announced size: more is 413 (and not read on), less is 400; nothing is kept', async () => {
    const started = await init(app, admin.token, 1000);
    const longer = await fetch(started.url, { method: 'PUT', body: new Uint8Array(5000) });
    expect(longer.status).toBe(413);
    const shorter = await fetch(started.url, { method: 'PUT', body: new Uint8Array(10) });
    expect(shorter.status).toBe(400);
    expect(await app.storage.head(`incoming/${started.uploadId}.bin`)).toBeNull();
  });

  it('refuses an announced size over the limit, and players', async () => {
    const tooBig = await api(app, admin.token, '/resources/upload/init', { size: MAX_UPLOAD_BYTES + 1 });
    expect(tooBig.status).toBe(413);
    const player = await app.userWithToken('player');
    expect((await api(app, player.token, '/resources/upload/init', { size: 10 })).status).toBe(403);
  });

  it('complete before the PUT is 409; complete of an invalid file is 422 and removes it', async () => {
    const garbage = new TextEncoder().encode('not a model, not at all, not even close');
    const started = await init(app, admin.token, garbage.length);
    const early = await api(app, admin.token, '/resources/upload/complete', {
      uploadId: started.uploadId,
      ...fields(),
    });
    expect(early.status).toBe(409);
    expect(await json(early)).toMatchObject({ reason: 'INVALID_STATE' });

    const before = await snapshot(app);
    expect((await fetch(started.url, { method: 'PUT', body: garbage })).status).toBe(200);
    const done = await api(app, admin.token, '/resources/upload/complete', {
      uploadId: started.uploadId,
      ...fields(),
    });
    expect(done.status).toBe(422);
    expect(await json(done)).toMatchObject({
      reason: 'INVALID_ASSET',
      message: expect.stringContaining('GLB_BAD_MAGIC'),
    });
    const after = await snapshot(app);
    expect(after.objects).toEqual(before.objects);
    expect(after.pending).toEqual(before.pending.filter((key) => !key.includes(started.uploadId)));
    const again = await api(app, admin.token, '/resources/upload/complete', {
      uploadId: started.uploadId,
      ...fields(),
    });
    expect(again.status).toBe(404);
  });
});

describe('direct uploads, S3', () => {
  let s3: S3Target;
  let app: TestApp;
  let admin: { token: string };

  beforeAll(async () => {
    s3 = await startS3Target();
    app = await startTestApp({
      ASSET_STORAGE_MODE: 's3',
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY: s3.accessKey,
      S3_SECRET_KEY: s3.secretKey,
      S3_BUCKET: s3.bucket,
    });
    admin = await app.userWithToken('admin');
  });
  afterAll(async () => {
    await app?.close();
    await s3?.close();
  });

  it('init gives a presigned S3 PUT; complete stores the asset and removes the incoming object', async () => {
    const bytes = fixture('chr_knight.glb');
    const started = await init(app, admin.token, bytes.length);
    expect(started.url).toContain(s3.endpoint);
    expect(started.url).toContain('X-Amz-Signature=');
    expect((await fetch(started.url, { method: 'PUT', headers: started.headers, body: bytes })).status).toBe(
      200,
    );
    const done = await api(app, admin.token, '/resources/upload/complete', {
      uploadId: started.uploadId,
      ...fields(),
    });
    expect(done.status).toBe(200);
    const asset = await json(done);
    expect(await app.storage.head(`assets/hair/short/1.0.0/${asset.id}.glb`)).toMatchObject({
      size: bytes.length,
    });
    expect(await app.storage.head(`incoming/${started.uploadId}.bin`)).toBeNull();
    const url = await json(
      await fetch(`${app.baseUrl}/resources/assets/${asset.id}/url`, {
        headers: { authorization: `Bearer ${admin.token}` },
      }),
    );
    const file = await fetch(url.url);
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBe(bytes.length);
  });
});
