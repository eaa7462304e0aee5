import { request } from 'node:http';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import { StorageError } from '../../storage/storage-error.ts';
import { sweepPendingUploads } from './sweep-pending.ts';
import * as repo from './uploads.repository.ts';
import { fixture, postUpload, snapshot, uploadForm } from './uploads.test-support.ts';

let app: TestApp;
let admin: { token: string; id: string };
let original: Pick<AssetStorage, 'put' | 'delete'>;

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.userWithToken('admin');
  original = { put: app.storage.put.bind(app.storage), delete: app.storage.delete.bind(app.storage) };
});
afterAll(() => app?.close());
afterEach(async () => {
  // The stubs below replace methods of the app's own storage instance; put them back.
  Object.assign(app.storage, original);
  await sql`drop trigger if exists fail_asset_insert on asset_catalog`.execute(app.database.db);
});

const upload = (name = 'Fox.glb') => postUpload(app, admin.token, uploadForm(fixture(name)));

describe('a failure at any step leaves no object without a row and no row without an object', () => {
  it('storage unavailable: 503 with Retry-After, nothing in the catalog', async () => {
    const before = await snapshot(app);
    app.storage.put = async () => {
      throw new StorageError('UNAVAILABLE');
    };
    const res = await upload();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await json(res)).toMatchObject({ reason: 'STORAGE_UNAVAILABLE' });
    expect(await snapshot(app)).toEqual(before);
  });

  it('storage fails after writing (a lost acknowledgement): the object is removed again', async () => {
    const before = await snapshot(app);
    app.storage.put = async (key, body, options) => {
      await original.put(key, body, options);
      throw new StorageError('UNAVAILABLE');
    };
    expect((await upload()).status).toBe(503);
    expect(await snapshot(app)).toEqual(before);
  });

  it('the database refuses the insert: the stored object is removed', async () => {
    await sql`create or replace function fail_asset_insert() returns trigger language plpgsql
      as $$ begin raise exception 'simulated database failure'; end $$`.execute(app.database.db);
    await sql`create trigger fail_asset_insert before insert on asset_catalog
      for each row execute function fail_asset_insert()`.execute(app.database.db);
    const before = await snapshot(app);
    let wrote: string | null = null;
    app.storage.put = async (key, body, options) => {
      wrote = key;
      return original.put(key, body, options);
    };
    const res = await upload();
    expect(res.status).toBe(500);
    const body = await json(res);
    expect(body).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    expect(body.message).not.toContain('simulated'); // never a driver's message
    expect(wrote).toMatch(/^assets\//); // it did get as far as storage
    expect(await snapshot(app)).toEqual(before);
  });

  it('the database fails and so does the cleanup: the pending record lets the sweep remove the object', async () => {
    await sql`create or replace function fail_asset_insert() returns trigger language plpgsql
      as $$ begin raise exception 'simulated database failure'; end $$`.execute(app.database.db);
    await sql`create trigger fail_asset_insert before insert on asset_catalog
      for each row execute function fail_asset_insert()`.execute(app.database.db);
    app.storage.delete = async () => {
      throw new StorageError('UNAVAILABLE');
    };
    expect((await upload('chr_knight.glb')).status).toBe(500);
    const left = await snapshot(app);
    expect(left.pending).toHaveLength(1);
    expect(left.objects).toContain(left.pending[0]);

    Object.assign(app.storage, original);
    await sql`update pending_uploads set expires_at = now() - interval '1 second'`.execute(app.database.db);
    expect(await sweepPendingUploads({ db: app.database.db, storage: app.storage })).toBe(1);
    const after = await snapshot(app);
    expect(after.pending).toEqual([]);
    expect(after.objects).not.toContain(left.pending[0]);
  });

  it('a process that died between the write and the insert: the sweep removes the orphan, not a claimed object', async () => {
    const orphan = 'assets/hair/short/1.0.0/00000000-0000-4000-8000-00000000dead.glb';
    await app.storage.put(orphan, fixture('Box.glb'), { contentType: 'model/gltf-binary' });
    await repo.insertPending(app.database.db, {
      kind: 'store',
      storage_key: orphan,
      created_by: admin.id,
      expiresInSeconds: -1,
    });
    const claimed = await json(await upload('CesiumMan.glb'));
    const claimedKey = `assets/hair/short/1.0.0/${claimed.id}.glb`;
    await repo.insertPending(app.database.db, {
      kind: 'store',
      storage_key: claimedKey,
      created_by: admin.id,
      expiresInSeconds: -1,
    });
    expect(await sweepPendingUploads({ db: app.database.db, storage: app.storage })).toBe(2);
    expect(await app.storage.head(orphan)).toBeNull();
    expect(await app.storage.head(claimedKey)).not.toBeNull();
  });

  it('the client disconnects mid-upload: nothing is stored and the server serves the next request', async () => {
    const before = await snapshot(app);
    await disconnectMidUpload(fixture('RobotExpressive.glb'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await snapshot(app)).toEqual(before);
    const next = await upload('RobotExpressive.glb');
    expect(next.status).toBe(201);
  });
});

/** Sends the fields and half the file, then drops the connection. */
function disconnectMidUpload(file: Buffer): Promise<void> {
  const boundary = 'disconnect-boundary-1234';
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head =
    field('type', 'hair') +
    field('category', 'short') +
    field('name', 'Gone') +
    field('key', 'gone/robot') +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="robot.glb"\r\n\r\n`;
  return new Promise((resolve) => {
    const req = request(`${app.baseUrl}/resources/upload`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + file.length + boundary.length + 8),
      },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(head);
    req.write(file.subarray(0, file.length / 2), () => setTimeout(() => req.destroy(), 100));
  });
}
