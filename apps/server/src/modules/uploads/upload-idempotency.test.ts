import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { fixture, freshKey, rawGlb, uploadForm } from './uploads.test-support.ts';

// `POST /resources/upload` with an `Idempotency-Key`: a retried or doubled multipart upload is one asset.

let app: TestApp;
let admin: { token: string; id: string };

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.userWithToken('admin');
});
afterAll(() => app?.close());

function upload(form: FormData, key?: string, token = admin.token): Promise<Response> {
  return fetch(`${app.baseUrl}/resources/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
    body: form,
  });
}

const rowsFor = async (assetKey: string) =>
  (
    await app.database.db
      .selectFrom('asset_catalog')
      .select(['id', 'storage_key'])
      .where('key', '=', assetKey)
      .execute()
  ).map((r) => r.id);

const storedAssets = async () => (await app.storage.list('assets/')).items.map((i) => i.key);

describe('Idempotency-Key on POST /resources/upload', () => {
  it('the same key, file and fields answers the first result, marked as a replay; one asset exists', async () => {
    const key = freshKey('idem-upload');
    const bytes = fixture('Box.glb');
    const first = await upload(uploadForm(bytes, { key, tags: 'red, Long ,red' }), 'upload-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const asset = await json(first);

    // The form is compared as parsed: the same tags written differently are the same request.
    const again = await upload(uploadForm(bytes, { key, tags: 'red,Long' }), 'upload-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(again)).toEqual(asset);
    expect(await rowsFor(key)).toEqual([asset.id]);
    expect((await storedAssets()).filter((k) => k.includes(asset.id))).toHaveLength(1);

    // Without the key the same bytes are a new request, and a duplicate.
    const unkeyed = await upload(uploadForm(bytes, { key: freshKey('idem-upload') }));
    expect(unkeyed.status).toBe(409);
    expect(await json(unkeyed)).toMatchObject({ reason: 'DUPLICATE_ASSET' });
  });

  it('the same key with another file or other fields is 422 and stores nothing', async () => {
    const key = freshKey('idem-reuse');
    const fox = fixture('Fox.glb');
    const first = await upload(uploadForm(fox, { key, name: 'Fox' }), 'upload-2');
    expect(first.status).toBe(201);
    const asset = await json(first);
    const objectsBefore = await storedAssets();

    const otherFile = await upload(uploadForm(fixture('CesiumMan.glb'), { key, name: 'Fox' }), 'upload-2');
    expect(otherFile.status).toBe(422);
    expect(await json(otherFile)).toMatchObject({
      code: 'UNPROCESSABLE_CONTENT',
      reason: 'IDEMPOTENCY_KEY_REUSED',
    });
    const otherFields = await upload(uploadForm(fox, { key, name: 'Another fox' }), 'upload-2');
    expect(otherFields.status).toBe(422);
    expect(await json(otherFields)).toMatchObject({ reason: 'IDEMPOTENCY_KEY_REUSED' });

    expect(await rowsFor(key)).toEqual([asset.id]);
    expect(await storedAssets()).toEqual(objectsBefore);
  });

  it('concurrent duplicates create one asset and all answer it', async () => {
    const key = freshKey('idem-race');
    const bytes = fixture('RobotExpressive.glb');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => upload(uploadForm(bytes, { key }), 'upload-race')),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(201));
    const ids = new Set(await Promise.all(answers.map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    expect(answers.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    const [id] = [...ids];
    expect(await rowsFor(key)).toEqual([id]);
    expect((await storedAssets()).filter((k) => k.includes(String(id)))).toHaveLength(1);
  });

  it('a refused first request releases its key: the retry with a good file runs for real', async () => {
    const key = freshKey('idem-retry');
    const broken = rawGlb('{"asset": {"version": "2.0"}, "meshes": [{"primitives": []}]}');
    const refused = await upload(uploadForm(broken, { key }), 'upload-retry');
    expect(refused.status).toBe(422);
    expect(await json(refused)).toMatchObject({ reason: 'INVALID_ASSET' });

    const retried = await upload(uploadForm(fixture('chr_knight.glb'), { key }), 'upload-retry');
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await rowsFor(key)).toEqual([(await json(retried)).id]);
  });

  it('keys belong to their user, and a malformed key is 400 before anything is stored', async () => {
    const other = await app.userWithToken('admin');
    const theirs = await upload(
      uploadForm(fixture('CesiumMan.glb'), { key: freshKey('idem-user') }),
      'upload-2',
      other.token,
    );
    expect(theirs.status).toBe(201); // `upload-2` of the first admin is someone else's key

    const key = freshKey('idem-bad');
    const before = await storedAssets();
    const bad = await upload(uploadForm(fixture('CesiumMan.glb'), { key }), 'two words');
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ code: 'BAD_REQUEST', reason: 'VALIDATION_FAILED' });
    expect(await rowsFor(key)).toEqual([]);
    expect(await storedAssets()).toEqual(before);
  });
});
