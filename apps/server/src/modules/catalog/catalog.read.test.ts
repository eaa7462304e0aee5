import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { seedAsset } from '../../../test/helpers/catalog.ts';
import { json } from '../../../test/helpers/http.ts';

let app: TestApp;
let admin: { token: string; id: string };
let player: { token: string };

const get = (path: string, token = player.token) =>
  fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.userWithToken('admin');
  player = await app.userWithToken('player');
  const db = app.database.db;
  const by = admin.id;
  await seedAsset(db, {
    name: 'Knight Helmet',
    asset_type: 'accessory',
    category: 'headwear',
    tags: ['metal', 'fantasy'],
    uploaded_by: by,
  });
  await seedAsset(db, {
    name: 'Knitted Beanie',
    asset_type: 'accessory',
    category: 'headwear',
    tags: ['wool', 'casual'],
  });
  await seedAsset(db, { name: 'Short Bob', asset_type: 'hair', category: 'short', tags: ['casual'] });
  await seedAsset(db, {
    name: 'Long Braid',
    asset_type: 'hair',
    category: 'long',
    tags: ['fantasy'],
    uploaded_by: by,
  });
  await seedAsset(db, { name: 'Space Suit', asset_type: 'top', category: 'scifi', tags: ['metal'] });
  await seedAsset(db, { name: 'Hidden Draft', asset_type: 'hair', category: 'short', status: 'processing' });
  await seedAsset(db, {
    name: 'Old Knight Cape',
    asset_type: 'accessory',
    category: 'back',
    status: 'deprecated',
  });
});
afterAll(() => app?.close());

const names = (body: { items: { name: string }[] }) => body.items.map((i) => i.name);

describe('GET /resources/catalog', () => {
  it('shows players only active assets, newest first', async () => {
    const body = await json(await get('/resources/catalog'));
    expect(names(body)).toEqual(['Space Suit', 'Long Braid', 'Short Bob', 'Knitted Beanie', 'Knight Helmet']);
    expect(body.nextCursor).toBeNull();
    expect(body.items[0]).not.toHaveProperty('storageKey');
  });

  it('shows admins every status, and filters by it', async () => {
    expect((await json(await get('/resources/catalog', admin.token))).items).toHaveLength(7);
    const processing = await json(await get('/resources/catalog?status=processing', admin.token));
    expect(names(processing)).toEqual(['Hidden Draft']);
  });

  it('filters by type, category, any or all tags, and uploader', async () => {
    expect(names(await json(await get('/resources/catalog?type=hair')))).toEqual(['Long Braid', 'Short Bob']);
    expect(names(await json(await get('/resources/catalog?type=hair&category=long')))).toEqual([
      'Long Braid',
    ]);
    expect(names(await json(await get('/resources/catalog?tags=metal,wool&sort=name')))).toEqual([
      'Knight Helmet',
      'Knitted Beanie',
      'Space Suit',
    ]);
    expect(names(await json(await get('/resources/catalog?tags=metal,fantasy&tagMode=all')))).toEqual([
      'Knight Helmet',
    ]);
    expect(names(await json(await get(`/resources/catalog?uploadedBy=${admin.id}&sort=name`)))).toEqual([
      'Knight Helmet',
      'Long Braid',
    ]);
  });

  it('pages with a stable cursor through every sort, with no row twice or missed', async () => {
    for (const sort of ['newest', 'name', 'version']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query = `/resources/catalog?limit=2&sort=${sort}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await json(await get(query, admin.token));
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((i: { id: string }) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
    }
  });

  it('refuses a tampered cursor, a cursor of another sort, and page sizes out of range', async () => {
    const first = await json(await get('/resources/catalog?limit=2'));
    const tampered = `${first.nextCursor.slice(0, -3)}abc`;
    for (const query of [
      `cursor=${tampered}`,
      `cursor=${encodeURIComponent(first.nextCursor)}&sort=name`,
      'cursor=not-a-cursor',
      'limit=0',
      'limit=201',
      'type=spaceship',
      `tags=${'x'.repeat(40)}`,
    ]) {
      const res = await get(`/resources/catalog?${query}`);
      expect(res.status, query).toBe(400);
      expect((await json(res)).code).toBe('BAD_REQUEST');
    }
  });

  it('answers over tRPC with the same data', async () => {
    const input = encodeURIComponent(JSON.stringify({ type: 'hair' }));
    const body = await json(await get(`/trpc/catalog.list?input=${input}`));
    expect(names(body.result.data)).toEqual(['Long Braid', 'Short Bob']);
  });

  it('needs a session', async () => {
    expect((await fetch(`${app.baseUrl}/resources/catalog`)).status).toBe(401);
  });
});

describe('GET /resources/catalog/search', () => {
  it('finds by word prefix, ranked, with facets for the query', async () => {
    const body = await json(await get('/resources/catalog/search?q=kni'));
    expect(names(body).sort()).toEqual(['Knight Helmet', 'Knitted Beanie']);
    expect(body.facets.type).toEqual([{ value: 'accessory', count: 2 }]);
    expect(body.facets.category).toEqual([{ value: 'headwear', count: 2 }]);
    expect(body.facets.tag).toEqual(
      expect.arrayContaining([
        { value: 'metal', count: 1 },
        { value: 'wool', count: 1 },
      ]),
    );
    const both = await json(await get('/resources/catalog/search?q=knight%20helm'));
    expect(names(both)).toEqual(['Knight Helmet']);
  });

  it('includes deprecated matches for admins only', async () => {
    expect(names(await json(await get('/resources/catalog/search?q=cape')))).toEqual([]);
    expect(names(await json(await get('/resources/catalog/search?q=cape', admin.token)))).toEqual([
      'Old Knight Cape',
    ]);
  });

  it('matches tags and keys, and applies the filters', async () => {
    expect(names(await json(await get('/resources/catalog/search?q=wool')))).toEqual(['Knitted Beanie']);
    expect(names(await json(await get('/resources/catalog/search?q=metal&type=top')))).toEqual([
      'Space Suit',
    ]);
  });

  it('pages through ranked results', async () => {
    const first = await json(await get('/resources/catalog/search?q=k&limit=1', admin.token));
    expect(first.items).toHaveLength(1);
    const second = await json(
      await get(
        `/resources/catalog/search?q=k&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`,
        admin.token,
      ),
    );
    expect(second.items[0].id).not.toBe(first.items[0].id);
    // A cursor belongs to its query.
    const other = await get(
      `/resources/catalog/search?q=space&cursor=${encodeURIComponent(first.nextCursor)}`,
    );
    expect(other.status).toBe(400);
  });

  it('treats SQL-looking and unicode-heavy text as plain words', async () => {
    for (const q of [
      "'; drop table asset_catalog; --",
      'knight:* | !',
      'Ünïcødé 🧙‍♂️ 騎士 \u0000',
      'a'.repeat(200),
    ]) {
      const res = await get(`/resources/catalog/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
    expect((await json(await get('/resources/catalog'))).items).toHaveLength(5);
  });

  it('refuses empty, punctuation-only and overlong searches', async () => {
    for (const q of ['', '   ', '!!!', 'a'.repeat(201)]) {
      const res = await get(`/resources/catalog/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(400);
      expect((await json(res)).code).toBe('BAD_REQUEST');
    }
  });
});

describe('one asset', () => {
  it('answers 404 with a clear message for an unknown id, 400 for a malformed one', async () => {
    const missing = await get('/resources/catalog/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect((await json(missing)).message).toBe('No asset with this id');
    expect((await get('/resources/catalog/not-an-id')).status).toBe(400);
  });

  it('hides a processing asset from players as if absent', async () => {
    const list = await json(await get('/resources/catalog?status=processing', admin.token));
    const id = list.items[0].id;
    expect((await get(`/resources/catalog/${id}`)).status).toBe(404);
    expect((await get(`/resources/catalog/${id}`, admin.token)).status).toBe(200);
  });

  it('lists the active assets of one type for the editor', async () => {
    expect(names(await json(await get('/resources/assets/hair')))).toEqual(['Long Braid', 'Short Bob']);
    expect((await get('/resources/assets/spaceship')).status).toBe(400);
  });
});
