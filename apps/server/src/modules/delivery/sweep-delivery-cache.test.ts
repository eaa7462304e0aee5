import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { fetchGlb, seedDeliveryAvatar } from './delivery.test-support.ts';
import { sweepDeliveryCache } from './sweep-delivery-cache.ts';

let app: TestApp;
let avatar: Awaited<ReturnType<typeof seedDeliveryAvatar>>;

beforeAll(async () => {
  app = await startTestApp();
  avatar = await seedDeliveryAvatar(app);
});
afterAll(() => app?.close());

const entries = () =>
  app.database.db.selectFrom('avatar_delivery_cache').select(['params', 'storage_key']).execute();
const sweep = (hoursAhead = 0) =>
  sweepDeliveryCache(
    { db: app.database.db, storage: app.storage },
    { maxIdleDays: 30, orphanGraceSeconds: 3600, now: Date.now() + hoursAhead * 3_600_000 },
  );

describe('the delivery cache sweep', () => {
  it('removes results unused for the idle period, keeps used ones; the URL then builds again', async () => {
    const idle = await fetchGlb(`${avatar.url}?quality=low&lod=2`);
    const used = await fetchGlb(`${avatar.url}?quality=low&lod=1`);
    expect([idle.res.status, used.res.status]).toEqual([200, 200]);
    const before = await entries();
    expect(before).toHaveLength(2);
    // normalizeParams: [quality, lod, ...]
    const idleEntry = before.find((e) => JSON.parse(e.params)[1] === 2)!;
    await app.database.db
      .updateTable('avatar_delivery_cache')
      .set({ last_hit_at: sql<Date>`now() - interval '31 days'` })
      .where('storage_key', '=', idleEntry.storage_key)
      .execute();

    expect(await sweep()).toEqual({ entriesRemoved: 1, orphansRemoved: 0 });
    const after = await entries();
    expect(after.map((e) => e.storage_key)).toEqual(
      before.filter((e) => e !== idleEntry).map((e) => e.storage_key),
    );
    expect(await app.storage.head(idleEntry.storage_key!)).toBeNull();

    const again = await fetchGlb(`${avatar.url}?quality=low&lod=2`);
    expect(again.res.headers.get('x-cache')).toBe('MISS');
    expect(again.res.headers.get('etag')).toBe(idle.res.headers.get('etag'));
    expect((await fetchGlb(`${avatar.url}?quality=low&lod=1`)).res.headers.get('x-cache')).toBe('HIT');
  });

  it('removes files under delivery/ that no entry owns, once past the grace period', async () => {
    const stray = `delivery/${avatar.user.id}/${'0'.repeat(64)}.glb`;
    await app.storage.put(stray, Buffer.from('left by a deleted user'), { contentType: 'model/gltf-binary' });
    expect(await sweep()).toEqual({ entriesRemoved: 0, orphansRemoved: 0 });
    expect(await app.storage.head(stray)).not.toBeNull();

    expect(await sweep(2)).toEqual({ entriesRemoved: 0, orphansRemoved: 1 });
    expect(await app.storage.head(stray)).toBeNull();
    for (const entry of await entries()) expect(await app.storage.head(entry.storage_key!)).not.toBeNull();
  });
});
