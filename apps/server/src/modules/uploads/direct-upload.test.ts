import { createHash } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { type S3Target, startS3Target } from '../../storage/storage.test-support.ts';
import { reapOrphansJob } from '../integrity/reap-orphans.job.ts';
import { FIELDS, fixture, freshKey, snapshot } from './uploads.test-support.ts';

const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
const OCTETS = { 'content-type': 'application/octet-stream' };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

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

function complete(app: TestApp, token: string, uploadId: string) {
  return api(app, token, '/resources/upload/complete', { uploadId, ...fields() });
}

/** The published original as a browser gets it: through the catalog's URL. */
async function downloadedSha256(app: TestApp, token: string, assetId: string): Promise<string> {
  const res = await fetch(`${app.baseUrl}/resources/assets/${assetId}/url`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const file = await fetch((await json(res)).url);
  expect(file.status).toBe(200);
  return sha256(new Uint8Array(await file.arrayBuffer()));
}

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
      contentType: 'application/octet-stream',
      headers: OCTETS,
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
    const longer = await fetch(started.url, { method: 'PUT', headers: OCTETS, body: new Uint8Array(5000) });
    expect(longer.status).toBe(413);
    const shorter = await fetch(started.url, { method: 'PUT', headers: OCTETS, body: new Uint8Array(10) });
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
    expect((await fetch(started.url, { method: 'PUT', headers: OCTETS, body: garbage })).status).toBe(200);
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

  it('refuses a PUT whose Content-Type is not the one init named (415), and keeps nothing', async () => {
    const bytes = fixture('Box.glb');
    const started = await init(app, admin.token, bytes.length);
    const wrong: Record<string, string>[] = [
      { 'content-type': 'model/gltf-binary' },
      { 'content-type': 'text/plain' },
      {},
    ];
    for (const headers of wrong) {
      const res = await fetch(started.url, { method: 'PUT', headers, body: bytes });
      expect(res.status).toBe(415);
      expect(await json(res)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', reason: 'VALIDATION_FAILED' });
    }
    expect(await app.storage.head(`incoming/${started.uploadId}.bin`)).toBeNull();
    const right = await fetch(started.url, { method: 'PUT', headers: started.headers, body: bytes });
    expect(right.status).toBe(200);
  });

  it('takes the file once: a second PUT is 409, even while the first is still streaming', async () => {
    const bytes = fixture('Box.glb');
    const other = new Uint8Array(bytes.length).fill(7);
    const started = await init(app, admin.token, bytes.length);
    const [a, b] = await Promise.all([
      fetch(started.url, { method: 'PUT', headers: started.headers, body: bytes }),
      fetch(started.url, { method: 'PUT', headers: started.headers, body: bytes }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const again = await fetch(started.url, { method: 'PUT', headers: started.headers, body: other });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ code: 'CONFLICT', reason: 'INVALID_STATE' });
    const stored = await app.storage.get(`incoming/${started.uploadId}.bin`);
    expect(sha256(new Uint8Array(await new Response(stored.stream as never).arrayBuffer()))).toBe(
      sha256(bytes),
    );
  });

  it('a published version cannot be overwritten through its upload link: after complete a PUT is 404', async () => {
    const bytes = fixture('Box.glb');
    const started = await init(app, admin.token, bytes.length);
    expect((await fetch(started.url, { method: 'PUT', headers: started.headers, body: bytes })).status).toBe(
      200,
    );
    // What the link wrote is an incoming object, never a published key.
    const pending = await app.database.db
      .selectFrom('pending_uploads')
      .select('storage_key')
      .where('id', '=', started.uploadId)
      .executeTakeFirstOrThrow();
    expect(pending.storage_key).toBe(`incoming/${started.uploadId}.bin`);
    const done = await complete(app, admin.token, started.uploadId);
    expect(done.status).toBe(200);
    const asset = await json(done);
    const published = await app.database.db
      .selectFrom('asset_catalog')
      .select('storage_key')
      .where('id', '=', asset.id)
      .executeTakeFirstOrThrow();
    expect(published.storage_key).toMatch(/^assets\//);
    const before = await downloadedSha256(app, admin.token, asset.id);
    expect(before).toBe(sha256(bytes));

    const other = new Uint8Array(bytes.length).fill(1);
    const resend = await fetch(started.url, { method: 'PUT', headers: started.headers, body: other });
    expect(resend.status).toBe(404);
    expect(await json(resend)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await app.storage.head(`incoming/${started.uploadId}.bin`)).toBeNull();
    expect((await complete(app, admin.token, started.uploadId)).status).toBe(404);
    expect(await downloadedSha256(app, admin.token, asset.id)).toBe(before);
  });
});

/** The browser form S3 expects: the policy's fields, then the file last. */
function postForm(fields: Record<string, string>, file: Uint8Array, contentType: string): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file], { type: contentType }), 'model.glb');
  return form;
}

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
      // The reaper's grace period: the test stands in for the hour passing.
      INTEGRITY_ORPHAN_GRACE_SECONDS: '0',
    });
    admin = await app.userWithToken('admin');
  });
  afterAll(async () => {
    await app?.close();
    await s3?.close();
  });

  const reap = () =>
    reapOrphansJob({
      config: app.config,
      db: app.database.db,
      storage: app.storage,
      logger: pino({ level: 'silent' }),
    })({ id: 'test', name: 'maintenance.reap-orphans', data: {}, retryCount: 0, isLastAttempt: true });

  it('init gives a presigned POST policy bound to one incoming key, the content type and the exact size', async () => {
    const started = await init(app, admin.token, 12_345);
    const key = `incoming/${started.uploadId}.bin`;
    expect(started).toMatchObject({
      method: 'POST',
      url: `${s3.endpoint}/${s3.bucket}`,
      contentType: 'application/octet-stream',
      fields: {
        key,
        'Content-Type': 'application/octet-stream',
        policy: expect.any(String),
        'x-amz-signature': expect.stringMatching(/^[0-9a-f]{64}$/),
        'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      },
    });
    expect(started.headers).toBeUndefined();
    // s3rver does not check policies (S3 and MinIO do), so the test reads what was signed.
    const policy = JSON.parse(Buffer.from(started.fields.policy, 'base64').toString('utf8'));
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['eq', '$bucket', s3.bucket],
        ['eq', '$key', key],
        ['eq', '$Content-Type', 'application/octet-stream'],
        ['content-length-range', 12_345, 12_345],
      ]),
    );
    // No condition leaves the key or the type open (a `starts-with` would let the form choose them).
    expect(policy.conditions.filter((c: unknown[]) => c[0] === 'starts-with')).toEqual([]);
    expect(policy.conditions.filter((c: unknown[]) => c[1] === '$key')).toEqual([['eq', '$key', key]]);
    expect(new Date(policy.expiration).getTime()).toBe(new Date(started.expiresAt).getTime());
  });

  it('the file POSTed with the policy fields completes into an asset; the incoming object goes', async () => {
    const bytes = fixture('chr_knight.glb');
    const started = await init(app, admin.token, bytes.length);
    const posted = await fetch(started.url, {
      method: 'POST',
      body: postForm(started.fields, bytes, started.contentType),
    });
    expect(posted.status).toBe(204);
    const incoming = `incoming/${started.uploadId}.bin`;
    expect(await app.storage.head(incoming)).toMatchObject({
      size: bytes.length,
      contentType: 'application/octet-stream',
    });
    const done = await complete(app, admin.token, started.uploadId);
    expect(done.status).toBe(200);
    const asset = await json(done);
    expect(await app.storage.head(`assets/hair/short/1.0.0/${asset.id}.glb`)).toMatchObject({
      size: bytes.length,
    });
    expect(await app.storage.head(incoming)).toBeNull();
    expect(await downloadedSha256(app, admin.token, asset.id)).toBe(sha256(bytes));
  });

  it('re-POSTing to the policy after complete cannot change the published asset; the reaper removes the leftover', async () => {
    const bytes = fixture('Fox.glb');
    const started = await init(app, admin.token, bytes.length);
    const incoming = `incoming/${started.uploadId}.bin`;
    expect(started.fields.key).toBe(incoming);
    const first = await fetch(started.url, {
      method: 'POST',
      body: postForm(started.fields, bytes, started.contentType),
    });
    expect(first.status).toBe(204);
    const done = await complete(app, admin.token, started.uploadId);
    expect(done.status).toBe(200);
    const asset = await json(done);
    const before = await downloadedSha256(app, admin.token, asset.id);
    expect(before).toBe(sha256(bytes));

    // The policy is still valid, so S3 takes the form again (same key, type and size): it lands in incoming/.
    const other = new Uint8Array(bytes.length).fill(1);
    const again = await fetch(started.url, {
      method: 'POST',
      body: postForm(started.fields, other, started.contentType),
    });
    expect(again.status).toBe(204);
    expect(await app.storage.head(incoming)).toMatchObject({ size: other.length });
    expect(await downloadedSha256(app, admin.token, asset.id)).toBe(before);
    expect((await complete(app, admin.token, started.uploadId)).status).toBe(404);

    await reap();
    expect(await app.storage.head(incoming)).toBeNull();
    expect(await downloadedSha256(app, admin.token, asset.id)).toBe(before);
    const row = await app.database.db
      .selectFrom('asset_catalog')
      .select(['storage_key', 'sha256'])
      .where('id', '=', asset.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ storage_key: `assets/hair/short/1.0.0/${asset.id}.glb`, sha256: before });
  });
});
