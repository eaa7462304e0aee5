import { inspectAsset, validateGlb } from '@avatar/asset-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { api, seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { followStatus, waitForExport } from './exports.test-support.ts';

let app: TestApp;
let call: ReturnType<typeof api>;
let other: ReturnType<typeof api>;
let token: string;

/** RobotExpressive with Box hair at its head, the knight as a top and a Box hat: 3237 + 12 + 1460 + 12. */
const FULL_TRIANGLES = 4_721;

beforeAll(async () => {
  app = await startTestApp({ EXPORT_RATE_LIMIT: '100' }, { workers: true });
  token = (await app.userWithToken('player')).token;
  call = api(app, token);
  other = api(app, (await app.userWithToken('player')).token);
  const robot = await seedFixtureAsset(app, 'RobotExpressive', {
    asset_type: 'base_model',
    category: 'robot',
  });
  const hair = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
  const top = await seedFixtureAsset(app, 'chr_knight', { asset_type: 'top', category: 'fantasy' });
  const hat = await seedFixtureAsset(app, 'Box', { asset_type: 'accessory', category: 'headwear' });
  const res = await call('PUT', '/api/v1/character/config', {
    modelAssetId: robot.id,
    parts: { hair: hair.id, top: top.id, accessories: [hat.id] },
    colors: { Main: '#3366ff' },
    morphs: { Surprised: 0.8 },
  });
  expect(res.status).toBe(200);
});
afterAll(() => app?.close());

const exportNow = (body: Record<string, unknown>) => call('POST', '/api/v1/avatar/export', body);

async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

describe('sync GLB export', () => {
  it('answers a download URL to a GLB that validates and reads back with the whole avatar', async () => {
    const res = await exportNow({ format: 'glb', quality: 'medium' });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      format: 'glb',
      quality: 'medium',
      mode: 'sync',
      status: 'completed',
      error: null,
      notice: null,
      requestId: res.headers.get('x-request-id'),
    });
    expect(body.durationMs).toBeGreaterThan(0);
    const glb = await download(body.downloadUrl);
    expect(glb.byteLength).toBe(body.bytes);

    const report = await validateGlb(glb);
    expect(report.errors).toEqual([]);
    const metadata = await inspectAsset(glb);
    expect(metadata.geometry.triangles).toBe(FULL_TRIANGLES);
    expect(metadata.counts).toMatchObject({ skins: 4, animations: 14 });
    expect(metadata.nodeNames).toEqual(expect.arrayContaining(['hair', 'top', 'accessories']));

    const row = await app.database.db
      .selectFrom('exports')
      .select(['format', 'quality', 'duration_ms', 'bytes', 'triangles', 'storage_key'])
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ format: 'glb', quality: 'medium', triangles: FULL_TRIANGLES });
    expect(Number(row.bytes)).toBe(glb.byteLength);
    expect(row.storage_key).toMatch(new RegExp(`^exports/[0-9a-f-]{36}/${body.id}\\.glb$`));
  });

  it.each([
    ['low', 1_000, 2_500],
    ['high', FULL_TRIANGLES, FULL_TRIANGLES],
  ])('reduces to the %s preset', async (quality, min, max) => {
    const body = await json(await exportNow({ format: 'glb', quality }));
    expect(body.status).toBe('completed');
    const glb = await download(body.downloadUrl);
    expect((await validateGlb(glb)).errors).toEqual([]);
    const triangles = (await inspectAsset(glb)).geometry.triangles;
    expect(triangles).toBeGreaterThanOrEqual(min);
    expect(triangles).toBeLessThanOrEqual(max);
  });

  it('puts the latest GLB on the avatar config', async () => {
    const body = await json(await exportNow({ format: 'glb' }));
    expect(body.quality).toBe('medium');
    const config = await json(await call('GET', '/api/v1/character/config'));
    expect(Date.parse(config.glbGeneratedAt)).toBe(Date.parse(body.completedAt));
    expect(await download(config.glbUrl)).toEqual(await download(body.downloadUrl));
  });

  it('exports the built-in avatar for a user who never saved a config', async () => {
    const body = await json(await other('POST', '/api/v1/avatar/export', { format: 'glb', quality: 'low' }));
    expect(body).toMatchObject({ status: 'completed' });
    const glb = await download(body.downloadUrl);
    expect((await validateGlb(glb)).errors).toEqual([]);
    expect((await inspectAsset(glb)).materials.map((m) => m.name)).toEqual(['Body', 'Skin']);
  });
});

describe('export of an avatar whose assets changed', () => {
  it('uses the version that replaced a deprecated part, and leaves out a part whose file is gone', async () => {
    const user = api(app, (await app.userWithToken('player')).token);
    const robot = await seedFixtureAsset(app, 'RobotExpressive', {
      asset_type: 'base_model',
      category: 'robot',
    });
    const oldHair = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
    const newHair = await seedFixtureAsset(app, 'chr_knight', { asset_type: 'hair', category: 'long' });
    const shoes = await seedFixtureAsset(app, 'Box', { asset_type: 'shoes', category: 'sport' });
    await user('PUT', '/api/v1/character/config', {
      modelAssetId: robot.id,
      parts: { hair: oldHair.id, shoes: shoes.id },
    });
    await app.database.db
      .updateTable('asset_catalog')
      .set({ status: 'deprecated', replaced_by: newHair.id })
      .where('id', '=', oldHair.id)
      .execute();
    await app.storage.delete(shoes.storage_key);

    const body = await json(await user('POST', '/api/v1/avatar/export', { format: 'glb', quality: 'high' }));
    expect(body).toMatchObject({ status: 'completed' });
    const glb = await download(body.downloadUrl);
    expect((await validateGlb(glb)).errors).toEqual([]);
    const metadata = await inspectAsset(glb);
    expect(metadata.geometry.triangles).toBe(3237 + 1460); // the knight as hair; no shoes
    expect(metadata.nodeNames).toContain('hair');
    expect(metadata.nodeNames).not.toContain('shoes');
  });
});

describe('async GLB export', () => {
  it('queues a job, then shows pending -> completed with URL, bytes and duration', async () => {
    const res = await exportNow({ format: 'glb', quality: 'high', async: true });
    expect(res.status).toBe(200);
    const queued = await json(res);
    expect(queued).toMatchObject({ mode: 'async', status: 'pending', downloadUrl: null, bytes: null });
    const done = await waitForExport(call, queued.id, ['completed']);
    expect(done.bytes).toBeGreaterThan(0);
    expect(done.durationMs).toBeGreaterThan(0);
    const glb = await download(done.downloadUrl);
    expect(glb.byteLength).toBe(done.bytes);
    expect((await inspectAsset(glb)).geometry.triangles).toBe(FULL_TRIANGLES);
  });

  it('streams status changes to a tRPC subscription over server-sent events', async () => {
    const queued = await json(await exportNow({ format: 'glb', quality: 'low', async: true }));
    const events = await followStatus(app.baseUrl, token, queued.id);
    expect(events.at(-1)).toMatchObject({ id: queued.id, status: 'completed' });
    expect(events.at(-1).downloadUrl).toEqual(expect.any(String));
    // Each event is a change: no status repeats back to back.
    const statuses = events.map((e) => e.status);
    expect(statuses.filter((s, i) => s === statuses[i - 1])).toEqual([]);
  });
});

describe('who sees an export', () => {
  it('answers another user’s export id exactly like a missing one: 404', async () => {
    const mine = await json(await exportNow({ format: 'glb', quality: 'low', async: true }));
    const theirs = await other('GET', `/api/v1/avatar/export/status?id=${mine.id}`);
    const missing = await other(
      'GET',
      '/api/v1/avatar/export/status?id=00000000-0000-4000-8000-000000000000',
    );
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    // biome-ignore lint/suspicious/noExplicitAny: an error body as JSON
    const strip = ({ requestId: _, data: { requestId: __, ...data }, ...rest }: any) => ({ ...rest, data });
    expect(strip(await json(theirs))).toEqual(strip(await json(missing)));
    expect((await call('GET', `/api/v1/avatar/export/status?id=${mine.id}`)).status).toBe(200);
  });

  it('lists my latest exports newest first, and none of anyone else’s', async () => {
    const mine = await json(await exportNow({ format: 'glb', quality: 'low', async: true }));
    const listed = await json(await call('GET', '/api/v1/avatar/exports?limit=3'));
    expect(listed.items).toHaveLength(3);
    expect(listed.items[0].id).toBe(mine.id);
    const created = listed.items.map((e: { createdAt: string }) => e.createdAt);
    expect([...created].sort().reverse()).toEqual(created);

    const theirs = await json(await other('GET', '/api/v1/avatar/exports'));
    expect(theirs.items.map((e: { id: string }) => e.id)).not.toContain(mine.id);
    expect((await call('GET', '/api/v1/avatar/exports?limit=500')).status).toBe(400);
  });

  it('refuses a subscription to someone else’s export', async () => {
    const mine = await json(await exportNow({ format: 'glb', quality: 'low', async: true }));
    const otherToken = (await app.userWithToken('player')).token;
    await expect(followStatus(app.baseUrl, otherToken, mine.id)).rejects.toThrow(/NOT_FOUND|No export/);
  });
});

describe('bad input', () => {
  it.each([
    [{ format: 'gif' }, 'format'],
    [{ format: 'glb', quality: 'ultra' }, 'quality'],
  ])('refuses %j with 400 naming the field', async (body, field) => {
    const res = await exportNow(body);
    expect(res.status).toBe(400);
    const error = await json(res);
    expect(error.reason).toBe('VALIDATION_FAILED');
    expect(error.issues[0].path).toEqual([field]);
  });

  it.each(['png', 'jpg'])('answers %s with 422 "not available yet", counting nothing', async (format) => {
    const before = await app.database.db
      .selectFrom('exports')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await exportNow({ format, quality: 'low' });
    expect(res.status).toBe(422);
    expect((await json(res)).message).toBe(
      `Export to ${format.toUpperCase()} is not available yet. Choose GLB for now.`,
    );
    const after = await app.database.db
      .selectFrom('exports')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n);
  });

  it('lists all six formats, GLB available, with the quality presets', async () => {
    const body = await json(await fetch(`${app.baseUrl}/api/v1/avatar/export/formats`));
    expect(body.formats.map((f: { format: string; available: boolean }) => [f.format, f.available])).toEqual([
      ['glb', true],
      ['obj', true],
      ['fbx', true],
      ['svg', true],
      ['png', false],
      ['jpg', false],
    ]);
    expect(body.qualities).toEqual([
      { quality: 'low', maxTriangles: 2_500, maxTextureSize: 512 },
      { quality: 'medium', maxTriangles: 10_000, maxTextureSize: 1_024 },
      { quality: 'high', maxTriangles: 50_000, maxTextureSize: 2_048 },
    ]);
    expect(body.rateLimit).toEqual({ limit: 100, windowSeconds: 3600 });
  });
});

describe('health and metrics', () => {
  it('reports database, storage and the last hour’s success rate', async () => {
    const res = await fetch(`${app.baseUrl}/api/v1/avatar/export/health`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ status: 'healthy', checks: { database: 'up', storage: 'up' } });
    expect(body.lastHour.completed).toBeGreaterThan(0);
    expect(body.lastHour.successRate).toBe(1);
  });

  it('exposes export counts by format and status and a duration histogram at /metrics', async () => {
    const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(text).toMatch(/avatar_exports_total\{format="glb",quality="medium",status="completed"\} [1-9]/);
    expect(text).toMatch(
      /avatar_export_duration_seconds_bucket\{le="\+Inf",format="glb",quality="medium"\} [1-9]/,
    );
    expect(text).toMatch(/avatar_export_bytes_count\{format="glb",quality="medium"\} [1-9]/);
    expect(text).toContain('http_requests_total');
  });
});
