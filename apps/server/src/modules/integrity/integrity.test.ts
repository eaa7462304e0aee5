import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { api } from '../avatars/avatars.test-support.ts';
import { fixture, postUpload, uploadForm } from '../uploads/uploads.test-support.ts';

let app: TestApp;
let admin: { token: string; id: string };
let call: ReturnType<typeof api>;

beforeAll(async () => {
  app = await startTestApp({ INTEGRITY_ORPHAN_GRACE_SECONDS: '0' });
  admin = await app.userWithToken('admin');
  call = api(app, admin.token);
});
afterAll(() => app?.close());

const put = (key: string, bytes: Buffer = Buffer.from('stray bytes')) =>
  app.storage.put(key, bytes, { contentType: 'application/octet-stream' });

async function upload(name: string, fields: Record<string, string> = {}) {
  const res = await postUpload(app, admin.token, uploadForm(fixture(name), fields));
  expect(res.status).toBe(201);
  return json(res) as Promise<{ id: string }>;
}

async function storageKeyOf(id: string) {
  return (
    await app.database.db
      .selectFrom('asset_catalog')
      .select('storage_key')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).storage_key;
}

describe('storage integrity report and repair', () => {
  it('reports orphans, missing objects and checksum mismatches; repair removes only the unreferenced', async () => {
    const fox = await upload('Fox.glb');
    const box = await upload('Box.glb');
    const cesium = await upload('CesiumMan.glb');
    const foxKey = await storageKeyOf(fox.id);
    const boxKey = await storageKeyOf(box.id);
    const cesiumKey = await storageKeyOf(cesium.id);
    // A variant beside the fox's original belongs to the fox's row.
    const foxVariant = foxKey.replace(/\.glb$/, '.low.glb');
    await put(foxVariant);
    // Orphans: a lost asset write, a lost export, a leftover incoming file.
    const orphans = [
      'assets/hair/short/9.9.9/00000000-0000-4000-8000-000000000001.glb',
      'exports/00000000-0000-4000-8000-000000000002/00000000-0000-4000-8000-000000000003.glb',
      'incoming/00000000-0000-4000-8000-000000000004.bin',
    ];
    for (const key of orphans) await put(key);
    // The box's object is gone; the cesium man's bytes were replaced behind the catalog's back.
    await app.storage.delete(boxKey);
    await put(cesiumKey, fixture('Box.glb'));

    const res = await call('GET', '/api/v1/admin/integrity');
    expect(res.status).toBe(200);
    const report = await json(res);
    expect(report.orphanObjects.map((o: { key: string }) => o.key).sort()).toEqual([...orphans].sort());
    expect(report.orphanObjects.every((o: { repairable: boolean }) => o.repairable)).toBe(true);
    expect(report.missingObjects).toEqual([{ kind: 'asset', id: box.id, key: boxKey }]);
    expect(report.checksumMismatches).toEqual([
      expect.objectContaining({ assetId: cesium.id, key: cesiumKey }),
    ]);
    expect(report.checksumsVerified).toBe(2);

    // Without re-reading: no checksum work.
    const quick = await json(await call('GET', '/api/v1/admin/integrity?checksums=skip'));
    expect(quick).toMatchObject({ checksumsVerified: 0, checksumMismatches: [] });

    // A repair naming a referenced key and an unknown key deletes neither.
    const partial = await json(
      await call('POST', '/api/v1/admin/integrity/repair', { keys: [foxKey, foxVariant, orphans[0]] }),
    );
    expect(partial.deleted).toEqual([orphans[0]]);
    expect(partial.skipped).toEqual([
      { key: foxKey, reason: 'not-scanned' },
      { key: foxVariant, reason: 'not-scanned' },
    ]);

    const repaired = await json(await call('POST', '/api/v1/admin/integrity/repair', {}));
    expect(repaired.deleted.sort()).toEqual(orphans.slice(1).sort());
    for (const key of orphans) expect(await app.storage.head(key)).toBeNull();
    for (const key of [foxKey, foxVariant, cesiumKey]) expect(await app.storage.head(key)).not.toBeNull();

    const after = await json(await call('GET', '/api/v1/admin/integrity?checksums=skip'));
    expect(after.orphanObjects).toEqual([]);
    // Rows are never touched by a repair: the missing object is still reported.
    expect(after.missingObjects).toHaveLength(1);

    // Each repair is in the audit log, newest first.
    const log = await json(await call('GET', '/api/v1/admin/audit-log'));
    expect(log.items.slice(0, 4).map((e: { action: string }) => e.action)).toEqual([
      'integrity.repair',
      'integrity.repair.deleted',
      'integrity.repair',
      'integrity.repair.deleted',
    ]);
    expect(log.items[1].details.deleted.sort()).toEqual(orphans.slice(1).sort());
    expect(log.items[0]).toMatchObject({ actorEmail: expect.stringContaining('admin') });
  });

  it('re-checks at the moment of deletion: an object claimed after the scan is kept', async () => {
    const key = 'incoming/00000000-0000-4000-8000-000000000010.bin';
    await put(key);
    const report = await json(await call('GET', '/api/v1/admin/integrity?checksums=skip'));
    expect(report.orphanObjects.map((o: { key: string }) => o.key)).toContain(key);
    // A pending upload claims the object after the repair's scan, just before its deletion: the repair
    // looks at the object (head) under its lock, then checks references, and must see the claim.
    const head = app.storage.head.bind(app.storage);
    app.storage.head = async (k) => {
      if (k === key) {
        await app.database.db
          .insertInto('pending_uploads')
          .values({
            kind: 'direct',
            storage_key: key,
            created_by: null,
            expires_at: new Date(Date.now() + 60_000),
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      return head(k);
    };
    try {
      const result = await json(await call('POST', '/api/v1/admin/integrity/repair', { keys: [key] }));
      expect(result).toEqual({ deleted: [], skipped: [{ key, reason: 'referenced' }] });
    } finally {
      app.storage.head = head;
    }
    expect(await app.storage.head(key)).not.toBeNull();
  });

  it('audits every admin mutation: who changed, deprecated or removed what, and when; no secrets', async () => {
    const fox = await upload('chr_knight.glb');
    expect((await call('PATCH', `/resources/catalog/${fox.id}`, { name: 'Knight' })).status).toBe(200);
    expect((await call('DELETE', `/resources/catalog/${fox.id}`, {})).status).toBe(200);
    expect(
      (
        await call('POST', '/api/v1/users', {
          email: `new-${Date.now()}@example.test`,
          password: 'correct horse 1',
          role: 'player',
        })
      ).status,
    ).toBe(200);
    const log = await json(await call('GET', '/api/v1/admin/audit-log?limit=3'));
    expect(log.items.map((e: { action: string }) => e.action)).toEqual([
      'users.create',
      'catalog.deprecate',
      'catalog.update',
    ]);
    expect(log.items[1]).toMatchObject({ target: fox.id, actorEmail: expect.stringContaining('admin') });
    expect(log.items[2].details).toMatchObject({ id: fox.id, name: 'Knight' });
    expect(JSON.stringify(log.items[0])).not.toContain('correct horse');
    expect(new Date(log.items[0].createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is for admins only: a player gets 403 and nothing is removed', async () => {
    await put('exports/00000000-0000-4000-8000-000000000020/00000000-0000-4000-8000-000000000021.glb');
    const player = await app.userWithToken('player');
    const asPlayer = api(app, player.token);
    for (const [method, path] of [
      ['GET', '/api/v1/admin/integrity'],
      ['POST', '/api/v1/admin/integrity/repair'],
      ['GET', '/api/v1/admin/audit-log'],
    ] as const) {
      const res = await asPlayer(method, path, method === 'POST' ? {} : undefined);
      expect(res.status).toBe(403);
      expect(await json(res)).toMatchObject({ code: 'FORBIDDEN', reason: 'ADMIN_ONLY' });
    }
    expect(
      await app.storage.head(
        'exports/00000000-0000-4000-8000-000000000020/00000000-0000-4000-8000-000000000021.glb',
      ),
    ).not.toBeNull();
  });

  it('leaves young orphans alone: they may be a write in flight', async () => {
    const young = await startTestApp({ INTEGRITY_ORPHAN_GRACE_SECONDS: '3600' });
    try {
      const a = await young.userWithToken('admin');
      await young.storage.put(
        'assets/hair/short/1.0.0/00000000-0000-4000-8000-000000000030.glb',
        Buffer.from('x'),
        {
          contentType: 'model/gltf-binary',
        },
      );
      const report = await json(await api(young, a.token)('GET', '/api/v1/admin/integrity'));
      expect(report.orphanObjects).toEqual([expect.objectContaining({ repairable: false })]);
      const result = await json(await api(young, a.token)('POST', '/api/v1/admin/integrity/repair', {}));
      expect(result).toEqual({
        deleted: [],
        skipped: [
          { key: 'assets/hair/short/1.0.0/00000000-0000-4000-8000-000000000030.glb', reason: 'too-recent' },
        ],
      });
    } finally {
      await young.close();
    }
  });
});
