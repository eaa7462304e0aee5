import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { seedAsset } from '../../../test/helpers/catalog.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { json } from '../../../test/helpers/http.ts';
import { createDatabase, type Db } from '../../db/database.ts';

// Catalog answers are kept in memory per process (db/read-cache.ts). What a user must never notice: an
// answer that outlives a change, whether this process or another one made it.
let app: TestApp;
let admin: { token: string };
let player: { token: string };
/** Another process's connection: no local-writes plugin, so only NOTIFY tells the app. */
let other: Db;

const get = async (path: string, token: string) => {
  const res = await fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return json(res);
};
const names = async (token: string) =>
  ((await get('/resources/catalog?type=top&sort=name', token)).items as { name: string }[]).map(
    (i) => i.name,
  );

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.userWithToken('admin');
  player = await app.userWithToken('player');
  other = createDatabase({ url: app.config.DATABASE_URL, poolMax: 1 });
  await eventually(async () => app.changes.isLive);
});
afterAll(async () => {
  await other?.destroy();
  await app?.close();
});

describe('catalog reads kept in memory', () => {
  it("shows this process's own edits on the very next read", async () => {
    const row = await seedAsset(app.database.db, {
      asset_type: 'top',
      category: 'casual',
      name: 'Plain Tee',
    });
    await eventually(async () => app.changes.trusted('catalog'));
    expect(await names(player.token)).toEqual(['Plain Tee']);
    expect(await names(player.token)).toEqual(['Plain Tee']);

    const renamed = await fetch(`${app.baseUrl}/resources/catalog/${row.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Striped Tee' }),
    });
    expect(renamed.status).toBe(200);
    expect(await names(player.token)).toEqual(['Striped Tee']);
    expect((await get(`/resources/catalog/${row.id}`, player.token)).name).toBe('Striped Tee');

    const deprecated = await fetch(`${app.baseUrl}/resources/catalog/${row.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(deprecated.status).toBe(200);
    expect(await names(player.token)).toEqual([]);
  });

  it("shows another process's changes once its notification arrives", async () => {
    await eventually(async () => app.changes.trusted('catalog'));
    const before = await names(player.token);
    const added = await seedAsset(other, { asset_type: 'top', category: 'casual', name: 'Hoodie' });
    await eventually(async () => (await names(player.token)).includes('Hoodie'));

    await other.updateTable('asset_catalog').set({ name: 'Zip Hoodie' }).where('id', '=', added.id).execute();
    // The asset itself was never read before, so it may show the new name before the notification arrives;
    // the list, read (and kept) above, shows it once the notification has.
    const expected = JSON.stringify([...before, 'Zip Hoodie'].sort());
    await eventually(async () => JSON.stringify(await names(player.token)) === expected);
    expect((await get(`/resources/catalog/${added.id}`, player.token)).name).toBe('Zip Hoodie');
  });

  it('players and admins are answered separately: a processing asset stays hidden from players', async () => {
    await seedAsset(app.database.db, {
      asset_type: 'top',
      category: 'casual',
      name: 'Draft Vest',
      status: 'processing',
    });
    await eventually(async () => app.changes.trusted('catalog'));
    const adminView = await get('/resources/catalog?type=top&sort=name', admin.token);
    expect(adminView.items.map((i: { name: string }) => i.name)).toContain('Draft Vest');
    expect(await names(player.token)).not.toContain('Draft Vest');
  });
});
