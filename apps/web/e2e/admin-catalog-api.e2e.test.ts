import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Asset } from '@avatar/contracts';
import type { AppRouter } from '@avatar/server/router';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../../packages/asset-core/test/fixtures-dir.ts';
import { startTestApp, type TestApp } from '../../server/test/helpers/app.ts';
import type { UploadFields } from '../src/api/upload.ts';
import { type CatalogBrowser, createCatalogBrowser } from '../src/features/admin/catalog-browser.ts';
import { AssetCatalogAPI, CATALOG_CACHE_TTL_MS } from '../src/features/catalog/asset-catalog-api.ts';

const fixtures = FIXTURES_DIR;

/** The catalog cache against the real API: what it reuses, for how long, and what a write forgets. */
describe('AssetCatalogAPI', () => {
  let app: TestApp;
  let client: ReturnType<typeof createTRPCClient<AppRouter>>;
  let box: Asset;
  let requests: string[] = [];
  let now = 0;
  let catalog: AssetCatalogAPI;

  beforeAll(async () => {
    app = await startTestApp();
    const admin = await app.userWithToken('admin');
    client = createTRPCClient<AppRouter>({
      links: [
        // One request per call (no batching), so the count below is the number of procedure calls.
        httpLink({
          url: `${app.baseUrl}/trpc`,
          headers: { authorization: `Bearer ${admin.token}` },
          fetch: (url, init) => {
            requests.push(new URL(String(url)).pathname);
            return fetch(url, init as RequestInit);
          },
        }),
      ],
    });
    await app.storage.put('incoming/box.glb', readFileSync(path.join(fixtures, 'Box.glb')), {
      contentType: 'model/gltf-binary',
    });
    box = await client.catalog.create.mutate({
      storageKey: 'incoming/box.glb',
      type: 'accessory',
      category: 'handheld',
      name: 'Box',
      key: 'props/box',
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(() => {
    requests = [];
    now = 0;
    catalog = new AssetCatalogAPI({ client: client.catalog, now: () => now });
  });

  it('answers the same query from the cache, whatever the order of its fields', async () => {
    const first = await catalog.list({ type: 'accessory', sort: 'name', limit: 10 });
    const second = await catalog.list({ limit: 10, sort: 'name', type: 'accessory', cursor: undefined });
    expect(second).toBe(first);
    expect(requests).toEqual(['/trpc/catalog.list']);
    await catalog.list({ type: 'accessory', sort: 'newest', limit: 10 });
    expect(requests).toHaveLength(2);
  });

  it('asks again after five minutes', async () => {
    await catalog.byId(box.id);
    now += CATALOG_CACHE_TTL_MS - 1;
    await catalog.byId(box.id);
    expect(requests).toHaveLength(1);
    now += 2;
    await catalog.byId(box.id);
    expect(requests).toHaveLength(2);
  });

  it('folds identical requests made at the same time into one', async () => {
    const [a, b] = await Promise.all([catalog.versions(box.id), catalog.versions(box.id)]);
    expect(a).toBe(b);
    expect(requests).toEqual(['/trpc/catalog.versions']);
  });

  it('forgets everything after a write, so the next read sees it', async () => {
    await catalog.list({ limit: 10 });
    await catalog.byId(box.id);
    const updated = await catalog.update({ id: box.id, tags: ['crate'] });
    expect(updated.tags).toEqual(['crate']);
    const listed = await catalog.list({ limit: 10 });
    expect(listed.items.find((a) => a.id === box.id)?.tags).toEqual(['crate']);
    expect((await catalog.byId(box.id)).tags).toEqual(['crate']);
    expect(requests).toEqual([
      '/trpc/catalog.list',
      '/trpc/catalog.byId',
      '/trpc/catalog.update',
      '/trpc/catalog.list',
      '/trpc/catalog.byId',
    ]);
  });

  it('does not keep a failure: the next call asks again', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(catalog.byId(missing)).rejects.toThrow('No asset with this id');
    await expect(catalog.byId(missing)).rejects.toThrow('No asset with this id');
    expect(requests).toHaveLength(2);
  });

  it('skips the cache for a fresh read (status polling) and keeps what it got', async () => {
    await catalog.byId(box.id);
    await catalog.byId(box.id, { fresh: true });
    await catalog.byId(box.id);
    expect(requests).toHaveLength(2);
  });

  it('clears the cache after an upload, even a refused one', async () => {
    const refusing = new AssetCatalogAPI({
      client: client.catalog,
      now: () => now,
      upload: () => Promise.reject(new Error('refused')),
    });
    await refusing.list({ limit: 5 });
    const file = new File([new Uint8Array(4)], 'x.glb');
    const fields: UploadFields = {
      type: 'accessory',
      category: 'handheld',
      name: 'X',
      key: 'x',
      version: '1.0.0',
      tags: [],
    };
    await expect(refusing.upload(file, fields)).rejects.toThrow('refused');
    await refusing.list({ limit: 5 });
    expect(requests).toEqual(['/trpc/catalog.list', '/trpc/catalog.list']);
  });

  describe('the admin table state', () => {
    let table: CatalogBrowser;

    beforeAll(async () => {
      // Two more versions of the box, so there is something to page through.
      await client.catalog.createVersion.mutate({ id: box.id, version: '1.1.0' });
      await client.catalog.createVersion.mutate({ id: box.id, version: '2.0.0' });
    });

    afterEach(() => table?.dispose());

    async function settled() {
      const started = Date.now();
      while (table.state.value === 'loading' || table.state.value === 'loading-more') {
        if (Date.now() - started > 10_000) throw new Error('the table never finished loading');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it('pages with the cursor until there is no more', async () => {
      table = createCatalogBrowser(catalog, { pageSize: 1 });
      table.setFilters({ sort: 'version' });
      await settled();
      expect(table.items.value.map((a) => a.version)).toEqual(['2.0.0']);
      await table.loadMore();
      await table.loadMore();
      expect(table.items.value.map((a) => a.version)).toEqual(['2.0.0', '1.1.0', '1.0.0']);
      expect(table.nextCursor.value).toBeNull();
      expect(table.state.value).toBe('ready');
    });

    it('waits for a pause in typing before it searches, and then shows facets', async () => {
      table = createCatalogBrowser(catalog);
      await table.reload();
      requests = [];
      table.setQuery('b');
      table.setQuery('bo');
      table.setQuery('box');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(requests).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await settled();
      expect(requests).toEqual(['/trpc/catalog.search']);
      expect(table.filters.value.q).toBe('box');
      expect(table.items.value.length).toBe(3);
      expect(table.facets.value?.type).toEqual([{ value: 'accessory', count: 3 }]);
    });

    it('filters by type and says so when nothing matches', async () => {
      table = createCatalogBrowser(catalog);
      table.setFilters({ type: 'hair' });
      await settled();
      expect(table.items.value).toEqual([]);
      expect(table.error.value).toBeNull();
    });

    it('shows the server message when a request is refused', async () => {
      table = createCatalogBrowser(catalog);
      table.setFilters({ q: '!!!' });
      await settled();
      expect(table.state.value).toBe('error');
      expect(table.error.value).toBe('Search for at least one word made of letters or digits');
    });
  });
});
