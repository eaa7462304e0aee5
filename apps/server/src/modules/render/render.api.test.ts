import { Document, NodeIO } from '@gltf-transform/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { seedAsset } from '../../../test/helpers/catalog.ts';
import { json } from '../../../test/helpers/http.ts';
import type { AssetRow } from '../../db/tables.ts';
import { api, seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { coverageOf, isFramed, skipWithoutChromium } from './render.test-support.ts';

const LIMIT = 7;

/** A node and nothing else: a file with nothing to draw. */
async function meshless(): Promise<Uint8Array> {
  const doc = new Document();
  doc.createScene('scene').addChild(doc.createNode('empty'));
  return new NodeIO().writeBinary(doc);
}

describe.skipIf(skipWithoutChromium)('POST /api/v1/render', () => {
  let app: TestApp;
  let player: { token: string; id: string };
  let robot: AssetRow;

  beforeAll(async () => {
    app = await startTestApp({ RENDER_RATE_LIMIT_PER_MINUTE: String(LIMIT) }, { render: true });
    player = await app.userWithToken('player');
    robot = await seedFixtureAsset(app, 'RobotExpressive', { asset_type: 'base_model', category: 'robot' });
  });
  afterAll(() => app?.close());

  const post = (token: string | null, body: unknown) =>
    fetch(`${app.baseUrl}/api/v1/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('renders a catalog asset, answers a URL to the image, and serves a repeat from the cache', async () => {
    const request = { subject: { kind: 'asset', assetId: robot.id }, width: 256, height: 256 };
    const first = await post(player.token, request);
    expect(first.status).toBe(200);
    const body = await json(first);
    expect(body).toMatchObject({ contentType: 'image/png', width: 256, height: 256, cached: false });
    expect(JSON.stringify(body)).not.toContain(robot.storage_key);
    const image = Buffer.from(await (await fetch(body.url)).arrayBuffer());
    expect(image.length).toBe(body.bytes);
    const c = await coverageOf(image);
    expect([c.format, c.width, c.height]).toEqual(['png', 256, 256]);
    expect(isFramed(c)).toBe(true);

    const rendered = app.render!.status().pool!.rendered;
    const again = await json(await post(player.token, request));
    expect(again).toMatchObject({ cached: true, bytes: body.bytes });
    expect(app.render!.status().pool!.rendered).toBe(rendered); // nothing rendered the second time
  });

  it('renders the caller’s own avatar (the fallback shape before any is saved) as a JPEG', async () => {
    const res = await post(player.token, {
      subject: { kind: 'avatar' },
      format: 'jpg',
      width: 320,
      height: 240,
      camera: { preset: 'full-body' },
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ contentType: 'image/jpeg', width: 320, height: 240 });
    const c = await coverageOf(Buffer.from(await (await fetch(body.url)).arrayBuffer()));
    expect([c.format, c.width, c.height]).toEqual(['jpeg', 320, 240]);
    expect(c.coverage).toBeGreaterThan(0.03);
  });

  it('draws the avatar the caller saved', async () => {
    const call = api(app, player.token);
    expect((await call('PUT', '/api/v1/character/config', { modelAssetId: robot.id })).status).toBe(200);
    const res = await post(player.token, { subject: { kind: 'avatar' }, width: 128, height: 128 });
    expect(res.status).toBe(200);
    const c = await coverageOf(Buffer.from(await (await fetch((await json(res)).url)).arrayBuffer()));
    expect(isFramed(c)).toBe(true);
  });

  it('answers 422 RENDER_FAILED for an asset with nothing to draw', async () => {
    const empty = await seedAsset(app.database.db, { asset_type: 'animation', category: 'emote' });
    await app.storage.put(empty.storage_key, Buffer.from(await meshless()), {
      contentType: 'model/gltf-binary',
    });
    const res = await post(player.token, { subject: { kind: 'asset', assetId: empty.id } });
    expect(res.status).toBe(422);
    expect(await json(res)).toMatchObject({
      reason: 'RENDER_FAILED',
      message: 'This model has nothing that can be drawn',
    });
  });

  it('asks for a login', async () => {
    const res = await post(null, { subject: { kind: 'avatar' } });
    expect(res.status).toBe(401);
  });

  it('refuses bad parameters with a clear 400, and an unknown asset with 404', async () => {
    for (const bad of [
      { subject: { kind: 'avatar' }, width: 32 },
      { subject: { kind: 'avatar' }, format: 'gif' },
      { subject: { kind: 'avatar' }, camera: { preset: 'selfie' } },
      { subject: { kind: 'avatar' }, background: 'red' },
      { subject: { kind: 'asset', assetId: 'not-a-uuid' } },
      { subject: { kind: 'someone-else' } },
    ]) {
      const res = await post(player.token, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      const body = await json(res);
      expect(body).toMatchObject({ code: 'BAD_REQUEST', reason: 'VALIDATION_FAILED' });
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
    }
    const missing = await post(player.token, {
      subject: { kind: 'asset', assetId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(missing.status).toBe(404);
  });

  it('limits renders per user per minute with 429 and Retry-After', async () => {
    const other = await app.userWithToken('player');
    const request = { subject: { kind: 'asset', assetId: robot.id }, width: 256, height: 256 };
    for (let i = 0; i < LIMIT; i++) expect((await post(other.token, request)).status).toBe(200);
    const refused = await post(other.token, request);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(refused)).message).toMatch(/per minute/);
    // Another user is not affected.
    expect((await post(player.token, request)).status).toBe(200);
  });
});

describe('POST /api/v1/render without Chromium', () => {
  let app: TestApp;
  let player: { token: string };

  beforeAll(async () => {
    app = await startTestApp({ CHROMIUM_PATH: '/nonexistent/chromium' }, { render: true });
    player = await app.userWithToken('player');
  });
  afterAll(() => app?.close());

  it('answers 503 RENDER_BUSY with Retry-After, while the API and readiness stay up', async () => {
    const res = await fetch(`${app.baseUrl}/api/v1/render`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${player.token}` },
      body: JSON.stringify({ subject: { kind: 'avatar' } }),
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await json(res);
    expect(body).toMatchObject({ reason: 'RENDER_BUSY' });
    expect(JSON.stringify(body)).not.toContain('/nonexistent');

    const ready = await fetch(`${app.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect((await json(ready)).checks.render).toMatchObject({ status: 'down', optional: true });
    const health = await json(await fetch(`${app.baseUrl}/api/v1/avatar/export/health`));
    expect(health).toMatchObject({ status: 'degraded', checks: { render: 'down' } });
    const formats = await json(await fetch(`${app.baseUrl}/api/v1/avatar/export/formats`));
    const png = formats.formats.find((f: { format: string }) => f.format === 'png');
    expect(png.available).toBe(false);
  });
});
