import { mkdirSync, writeFileSync } from 'node:fs';
import { Document, NodeIO } from '@gltf-transform/core';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { api } from '../avatars/avatars.test-support.ts';
import { processAssetJob } from '../uploads/process-asset.job.ts';
import { fixture, postUpload, uploadForm } from '../uploads/uploads.test-support.ts';
import { renderAssetThumbnail } from './asset-thumbnail.ts';
import { RenderHost } from './render.host.ts';
import { defaultWebDist } from './render.origin.ts';
import { ARTIFACTS, coverageOf, isFramed, skipWithoutChromium } from './render.test-support.ts';

function saveArtifact(name: string, data: Buffer): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(new URL(name, ARTIFACTS), data);
}

const get = (app: TestApp, token: string, path: string) =>
  fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

async function settled(app: TestApp, token: string, id: string) {
  // Generous: the first job loads the encoders, and this machine is shared.
  for (let i = 0; i < 200; i++) {
    const asset = await json(await get(app, token, `/resources/catalog/${id}`));
    if (asset.status !== 'processing') return asset;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`asset ${id} still processing`);
}

/** An animation clip on a bare node: an animation asset, with nothing to draw. */
async function animationOnly(): Promise<Uint8Array> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const node = doc.createNode('hips');
  doc.createScene('scene').addChild(node);
  const times = doc
    .createAccessor()
    .setType('SCALAR')
    .setArray(new Float32Array([0, 1]))
    .setBuffer(buffer);
  const values = doc
    .createAccessor()
    .setType('VEC3')
    .setArray(new Float32Array([0, 0, 0, 0, 1, 0]))
    .setBuffer(buffer);
  const sampler = doc.createAnimationSampler().setInput(times).setOutput(values);
  const channel = doc
    .createAnimationChannel()
    .setTargetNode(node)
    .setTargetPath('translation')
    .setSampler(sampler);
  doc.createAnimation('Jump').addSampler(sampler).addChannel(channel);
  return new NodeIO().writeBinary(doc);
}

describe.skipIf(skipWithoutChromium)(
  'thumbnails and PNG/JPG exports through the render service',
  { timeout: 120_000 },
  () => {
    let app: TestApp;
    let admin: { token: string };
    let player: { token: string };
    let foxId: string;

    beforeAll(async () => {
      app = await startTestApp({}, { workers: true, render: true });
      admin = await app.userWithToken('admin');
      player = await app.userWithToken('player');
      const res = await postUpload(
        app,
        admin.token,
        uploadForm(fixture('Fox.glb'), { type: 'base_model', category: 'creature', name: 'Fox' }),
      );
      expect(res.status).toBe(201);
      foxId = (await json(res)).id;
    });
    afterAll(() => app?.close());

    it('gives an uploaded asset a 256x256 transparent thumbnail, and the catalog its URL', async () => {
      const asset = await settled(app, admin.token, foxId);
      expect(asset).toMatchObject({ status: 'active', thumbnailUrl: expect.any(String) });
      const listed = await json(await get(app, player.token, `/resources/catalog/${foxId}`));
      const res = await fetch(listed.thumbnailUrl);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const png = Buffer.from(await res.arrayBuffer());
      saveArtifact('fox-thumbnail.png', png);
      const c = await coverageOf(png);
      expect([c.format, c.width, c.height]).toEqual(['png', 256, 256]);
      expect(isFramed(c)).toBe(true);
      const { data } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      expect(data[3]).toBe(0); // the top-left corner is transparent
    });

    it('gives an animation with nothing to draw no thumbnail, without trying to render it', async () => {
      const key = 'assets/animation/emote/1.0.0/jump.glb';
      await app.storage.put(key, Buffer.from(await animationOnly()), { contentType: 'model/gltf-binary' });
      const deps = { storage: app.storage, logger: pino({ level: 'silent' }), render: app.render! };
      const row = { id: 'jump', storage_key: key, sha256: null as unknown as string };
      const noGeometry = { geometry: { triangles: 0, lines: 0, points: 0 } };
      const before = app.render!.status().pool!.rendered + app.render!.status().pool!.failed;
      // Known from the inspect report: not rendered at all.
      expect(await renderAssetThumbnail(deps, { ...row, metadata: noGeometry })).toEqual({
        status: 'skipped',
        reason: 'nothing to draw',
      });
      expect(app.render!.status().pool!.rendered + app.render!.status().pool!.failed).toBe(before);
      // Without a report, the page finds nothing to draw: skipped too, not failed.
      expect(await renderAssetThumbnail(deps, { ...row, metadata: null })).toEqual({
        status: 'skipped',
        reason: 'nothing to draw',
      });
      expect(await app.storage.head('assets/animation/emote/1.0.0/jump.thumb.png')).toBeNull();
    });

    it('exports the avatar as PNG and JPG, sized by quality', async () => {
      const call = api(app, player.token);
      expect((await call('PUT', '/api/v1/character/config', { modelAssetId: foxId })).status).toBe(200);
      for (const [format, quality, size, decoded] of [
        ['png', 'low', 256, 'png'],
        ['jpg', 'medium', 512, 'jpeg'],
      ] as const) {
        const res = await call('POST', '/api/v1/avatar/export', { format, quality });
        const body = await json(res);
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(body).toMatchObject({ format, status: 'completed', downloadUrl: expect.any(String) });
        const file = Buffer.from(await (await fetch(body.downloadUrl)).arrayBuffer());
        expect(file.length).toBe(body.bytes);
        saveArtifact(`fox-export-${quality}.${format}`, file);
        const c = await coverageOf(file);
        expect([c.format, c.width, c.height], format).toEqual([decoded, size, size]);
        expect(isFramed(c), `${format}: ${JSON.stringify(c.box)}`).toBe(true);
        expect(c.coverage, format).toBeGreaterThan(0.04);
      }
    });

    it('lists PNG and JPG as available, and reports the render service in the export health', async () => {
      const formats = await json(await fetch(`${app.baseUrl}/api/v1/avatar/export/formats`));
      for (const format of ['png', 'jpg'])
        expect(formats.formats.find((f: { format: string }) => f.format === format)).toMatchObject({
          available: true,
        });
      const health = await json(await fetch(`${app.baseUrl}/api/v1/avatar/export/health`));
      expect(health.checks.render).toBe('up');
      const ready = await json(await fetch(`${app.baseUrl}/readyz`));
      expect(ready.checks.render).toMatchObject({ status: 'up', optional: true });
    });
  },
);

describe('a failed thumbnail render does not fail the upload', () => {
  let app: TestApp;
  let render: RenderHost;

  beforeAll(async () => {
    app = await startTestApp(); // no workers: the test runs the job itself
    render = new RenderHost({
      storage: app.storage,
      chromiumPath: '/nonexistent/chromium',
      webDist: defaultWebDist(undefined),
      poolSize: 1,
      timeoutMs: 5_000,
      maxQueue: 1,
    });
  });
  afterAll(async () => {
    await render?.close();
    await app?.close();
  });

  it('marks the asset active without a thumbnail', async () => {
    const admin = await app.userWithToken('admin');
    const res = await postUpload(app, admin.token, uploadForm(fixture('Box.glb'), { type: 'hair' }));
    const { id } = await json(res);
    const deps = {
      config: app.config,
      db: app.database.db,
      storage: app.storage,
      jobs: app.jobs,
      logger: pino({ level: 'silent' }),
      render,
    };
    const outcome = await processAssetJob(deps)({
      id: 'test-job',
      name: 'asset.process',
      data: { assetId: id },
      retryCount: 0,
      isLastAttempt: false,
    });
    expect(outcome).toBe('completed');
    const asset = await json(await get(app, admin.token, `/resources/catalog/${id}`));
    expect(asset).toMatchObject({ status: 'active', thumbnailUrl: null });
  });
});
