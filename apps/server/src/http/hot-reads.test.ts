import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { seedAsset } from '../../test/helpers/catalog.ts';
import { json } from '../../test/helpers/http.ts';
import { createApp } from '../app.ts';
import { catalogHotReads } from '../modules/catalog/catalog.router.ts';
import type { Deps } from '../trpc/context.ts';
import { createHotReads } from './hot-reads.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { createPrelude } from './prelude.ts';

/**
 * The catalog's hot reads answer before Express. Here one server takes that path (counting the requests
 * it hands on to Express) and another, on the same database and caches, is Express alone: every answer
 * must be the same, byte for byte, and the plain cases must not have reached Express at all.
 */
let app: TestApp;
let hot: { url: string; server: Server; handedOn: string[] };
let plain: { url: string; server: Server };
let admin: { token: string; id: string };
let player: { token: string };
let helmetId: string;
let draftId: string;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.userWithToken('admin');
  player = await app.userWithToken('player');
  const deps: Deps = {
    config: app.config,
    db: app.database.db,
    logger: createLogger('silent'),
    storage: app.storage,
    jobs: app.jobs,
    changes: app.changes,
  };
  const prelude = createPrelude(deps.config, deps.logger, createMetrics());
  const express = createApp(deps, { prelude });
  const reads = createHotReads(
    deps,
    prelude,
    () => express.get('trust proxy fn'),
    Object.values(catalogHotReads),
  );
  const handedOn: string[] = [];
  const hotServer = createServer((req, res) =>
    reads(req, res, () => {
      handedOn.push(req.url ?? '');
      express(req, res);
    }),
  );
  hot = { server: hotServer, url: await listen(hotServer), handedOn };
  const plainServer = createServer(createApp(deps));
  plain = { server: plainServer, url: await listen(plainServer) };

  const db = app.database.db;
  const helmet = await seedAsset(db, {
    name: 'Knight Helmet',
    asset_type: 'accessory',
    category: 'headwear',
    tags: ['metal', 'fantasy'],
    uploaded_by: admin.id,
  });
  helmetId = helmet.id;
  await seedAsset(db, {
    name: 'Knitted Beanie',
    asset_type: 'accessory',
    category: 'headwear',
    tags: ['wool'],
  });
  await seedAsset(db, { name: 'Short Bob', asset_type: 'hair', category: 'short', tags: ['casual', 'wool'] });
  await seedAsset(db, { name: 'Żółw Ninja 🐢', asset_type: 'top', category: 'casual', tags: ['fantasy'] });
  draftId = (await seedAsset(db, { name: 'Hidden Draft', status: 'processing' })).id;
});
afterAll(async () => {
  for (const server of [hot?.server, plain?.server]) {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
  await app?.close();
});

const SHOWN_HEADERS = [
  'content-type',
  'content-length',
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'cross-origin-opener-policy',
  'permissions-policy',
  'strict-transport-security',
  'retry-after',
];

async function answer(base: string, path: string, headers: Record<string, string>) {
  const res = await fetch(`${base}${path}`, { headers });
  const shown = Object.fromEntries(SHOWN_HEADERS.map((name) => [name, res.headers.get(name)]));
  const body = (await res.text()).replace(/"requestId":"[^"]*"/g, '"requestId":"…"');
  return { status: res.status, headers: shown, body, requestId: res.headers.get('x-request-id') };
}

/** The same request on both servers: the answers must be the same (request ids aside). */
async function both(path: string, headers: Record<string, string>) {
  const fromHot = await answer(hot.url, path, headers);
  const fromPlain = await answer(plain.url, path, headers);
  expect(fromHot.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect({ path, ...fromHot, requestId: undefined }).toEqual({ path, ...fromPlain, requestId: undefined });
  return fromHot;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('catalog reads answered before Express', () => {
  it('answer exactly as Express does, without reaching it', async () => {
    const firstPage = JSON.parse((await both('/resources/catalog?limit=2', bearer(player.token))).body);
    expect(firstPage.items).toHaveLength(2);
    const plainCases = [
      '/resources/catalog',
      '/resources/catalog?type=accessory&category=headwear&sort=name',
      '/resources/catalog?tags=wool,casual&tagMode=all',
      '/resources/catalog?tags=wool&tags=metal',
      `/resources/catalog?limit=2&cursor=${encodeURIComponent(firstPage.nextCursor)}`,
      '/resources/catalog?limit=3&unknown=1&__proto__=x&constructor=y',
      '/resources/catalog?q=&type=hair&cursor=',
      '/resources/catalog/search?q=kni',
      `/resources/catalog/search?q=${encodeURIComponent('żółw 🐢')}`,
      '/resources/catalog/search?q=wool+casual&type=accessory',
      `/resources/catalog/${helmetId}`,
      '/resources/assets/accessory',
      '/resources/assets/hair?category=short&limit=1',
    ];
    hot.handedOn.length = 0;
    for (const path of plainCases) {
      const { status } = await both(path, bearer(player.token));
      expect({ path, status }).toEqual({ path, status: 200 });
    }
    // An admin sees what a player does not; the answers are kept apart by role.
    const draft = await both(`/resources/catalog/${draftId}`, bearer(admin.token));
    expect(draft.status).toBe(200);
    expect(hot.handedOn).toEqual([]);
  });

  it('hands everything else to Express, which answers it as before', async () => {
    const cases: Array<[string, Record<string, string>, number]> = [
      ['/resources/catalog', {}, 401],
      ['/resources/catalog', bearer('not-a-session'), 401],
      ['/resources/catalog?type=spaceship', bearer(player.token), 400],
      ['/resources/catalog?limit=500', bearer(player.token), 400],
      ['/resources/catalog?limit=abc', bearer(player.token), 400],
      ['/resources/catalog?cursor=tampered', bearer(player.token), 400],
      ['/resources/catalog/search', bearer(player.token), 400],
      [`/resources/catalog/search?q=${'x'.repeat(201)}`, bearer(player.token), 400],
      [`/resources/catalog/${draftId}`, bearer(player.token), 404],
      [`/resources/catalog/${randomUUID()}`, bearer(player.token), 404],
      ['/resources/catalog/not-a-uuid', bearer(player.token), 400],
      [`/resources/catalog/${helmetId}/versions`, bearer(player.token), 200],
      ['/resources/catalog/', bearer(player.token), 200],
      ['/Resources/Catalog', bearer(player.token), 200],
      ['/resources/assets/spaceship', bearer(player.token), 400],
    ];
    hot.handedOn.length = 0;
    for (const [path, headers, expected] of cases) {
      const { status } = await both(path, headers);
      expect({ path, status }).toEqual({ path, status: expected });
    }
    expect(hot.handedOn).toHaveLength(cases.length);
  });

  it('a GET with a body, and any other method, go to Express too', async () => {
    hot.handedOn.length = 0;
    const head = await fetch(`${hot.url}/resources/catalog`, {
      method: 'HEAD',
      headers: bearer(player.token),
    });
    const plainHead = await fetch(`${plain.url}/resources/catalog`, {
      method: 'HEAD',
      headers: bearer(player.token),
    });
    expect(head.status).toBe(plainHead.status);
    expect(hot.handedOn).toEqual(['/resources/catalog']);
  });

  it('shows an edit on the next read (the kept JSON belongs to the answer that changed)', async () => {
    const path = `/resources/catalog/${helmetId}`;
    expect(JSON.parse((await both(path, bearer(player.token))).body).name).toBe('Knight Helmet');
    const edit = await fetch(`${app.baseUrl}${path}`, {
      method: 'PATCH',
      headers: { ...bearer(admin.token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Knight Great Helm' }),
    });
    expect(edit.status).toBe(200);
    expect(JSON.parse((await both(path, bearer(player.token))).body).name).toBe('Knight Great Helm');
    const found = await json(
      await fetch(`${hot.url}/resources/catalog/search?q=great`, { headers: bearer(player.token) }),
    );
    expect(found.items.map((item: { id: string }) => item.id)).toEqual([helmetId]);
  });

  it('counts each request once in the metrics, whichever path answered it', async () => {
    const before = await requestsCounted();
    await fetch(`${hot.url}/resources/catalog`, { headers: bearer(player.token) });
    await fetch(`${hot.url}/resources/catalog?type=spaceship`, { headers: bearer(player.token) });
    const after = await requestsCounted();
    expect(after.ok - before.ok).toBe(1);
    expect(after.refused - before.refused).toBe(1);
  });
});

async function requestsCounted(): Promise<{ ok: number; refused: number }> {
  const text = await (await fetch(`${hot.url}/metrics`)).text();
  const count = (status: string) => {
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_requests_total{') &&
          l.includes('route="/resources/catalog"') &&
          l.includes(`status="${status}"`),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };
  return { ok: count('200'), refused: count('400') };
}
