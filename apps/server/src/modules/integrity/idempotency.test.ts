import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { FIELDS, fixture, freshKey, postUpload, uploadForm } from '../uploads/uploads.test-support.ts';

let app: TestApp;
let admin: { token: string };

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.userWithToken('admin');
});
afterAll(() => app?.close());

function post(token: string, path: string, body: unknown, key?: string) {
  return fetch(`${app.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function playerWithAvatar() {
  const player = await app.userWithToken('player');
  const fox = await seedFixtureAsset(app, 'Fox', { asset_type: 'base_model', category: 'creature' });
  const res = await fetch(`${app.baseUrl}/api/v1/character/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${player.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ modelAssetId: fox.id }),
  });
  expect(res.status).toBe(200);
  return player;
}

const exportsOf = async (userId: string) =>
  (await app.database.db.selectFrom('exports').select('id').where('user_id', '=', userId).execute()).length;
const windowOf = async (userId: string) =>
  (
    await app.database.db
      .selectFrom('rate_limits')
      .select('count')
      .where('key', '=', `export:${userId}`)
      .executeTakeFirst()
  )?.count ?? 0;

describe('Idempotency-Key on export requests', () => {
  it('the same key and body returns the first result, once counted; another body is 422', async () => {
    const player = await playerWithAvatar();
    const body = { format: 'glb', async: true };
    const first = await post(player.token, '/api/v1/avatar/export', body, 'export-click-1');
    expect(first.status).toBe(200);
    const again = await post(
      player.token,
      '/api/v1/avatar/export',
      { async: true, format: 'glb' },
      'export-click-1',
    );
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const firstId = (await json(first)).id;
    expect((await json(again)).id).toBe(firstId);
    expect(await exportsOf(player.id)).toBe(1);
    expect(await windowOf(player.id)).toBe(1); // a double click counts once against the rate limit

    const other = await post(
      player.token,
      '/api/v1/avatar/export',
      { format: 'glb', quality: 'low', async: true },
      'export-click-1',
    );
    expect(other.status).toBe(422);
    expect(await json(other)).toMatchObject({
      code: 'UNPROCESSABLE_CONTENT',
      reason: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(await exportsOf(player.id)).toBe(1);

    // Keys belong to their user: someone else's identical key is a request of its own.
    const stranger = await playerWithAvatar();
    const theirs = await post(stranger.token, '/api/v1/avatar/export', body, 'export-click-1');
    expect((await json(theirs)).id).not.toBe(firstId);
  });

  it('concurrent duplicates create one export', async () => {
    const player = await playerWithAvatar();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        post(player.token, '/api/v1/avatar/export', { format: 'glb', async: true }, 'race-1'),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200));
    const ids = new Set(await Promise.all(answers.map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    expect(await exportsOf(player.id)).toBe(1);
    expect(await windowOf(player.id)).toBe(1);
  });

  it('refuses a malformed key with 400 and creates nothing', async () => {
    const player = await playerWithAvatar();
    const res = await post(
      player.token,
      '/api/v1/avatar/export',
      { format: 'glb', async: true },
      'bad key with spaces',
    );
    expect(res.status).toBe(400);
    expect(await exportsOf(player.id)).toBe(0);
  });
});

describe('the export rate limit under a burst', () => {
  it('ten simultaneous exports by one user with a limit of five: exactly five are accepted', async () => {
    const player = await playerWithAvatar();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        post(player.token, '/api/v1/avatar/export', { format: 'glb', async: true }),
      ),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(200), ...Array(5).fill(429)]);
    expect(await exportsOf(player.id)).toBe(5);
  });
});

describe('Idempotency-Key on version creation', () => {
  it('a retried or doubled request creates one version and answers the same', async () => {
    const upload = await postUpload(
      app,
      admin.token,
      uploadForm(fixture('Box.glb'), { key: freshKey('idem') }),
    );
    expect(upload.status).toBe(201);
    const source = await json(upload);
    const path = `/resources/catalog/${source.id}/version`;
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => post(admin.token, path, { bump: 'minor' }, 'version-1')),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const ids = new Set(await Promise.all(answers.map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    const versions = await app.database.db
      .selectFrom('asset_catalog')
      .select('version')
      .where('key', '=', source.key)
      .orderBy('version')
      .execute();
    expect(versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0']);
    // Without the key the same request is a new one (and a conflict, the version now existing).
    expect((await post(admin.token, path, { bump: 'minor' })).status).toBe(409);
  });
});

describe('Idempotency-Key on upload completion', () => {
  it('completing twice with one key stores one asset and answers the first result', async () => {
    const bytes = fixture('chr_knight.glb');
    const started = await json(
      await post(admin.token, '/resources/upload/init', { size: bytes.length, filename: 'box.glb' }),
    );
    expect((await fetch(started.url, { method: 'PUT', headers: started.headers, body: bytes })).status).toBe(
      200,
    );
    const body = { uploadId: started.uploadId, ...FIELDS, tags: ['idem'], key: freshKey('complete') };
    const [a, b] = await Promise.all([
      post(admin.token, '/resources/upload/complete', body, 'complete-1'),
      post(admin.token, '/resources/upload/complete', body, 'complete-1'),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [first, second] = [await json(a), await json(b)];
    expect(second.id).toBe(first.id);
    const late = await post(admin.token, '/resources/upload/complete', body, 'complete-1');
    expect(late.status).toBe(200);
    expect((await json(late)).id).toBe(first.id);
    const rows = await app.database.db
      .selectFrom('asset_catalog')
      .select('id')
      .where('key', '=', body.key)
      .execute();
    expect(rows).toEqual([{ id: first.id }]);
  });
});
