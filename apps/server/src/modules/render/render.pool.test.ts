import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, NodeIO } from '@gltf-transform/core';
import { KHRDracoMeshCompression } from '@gltf-transform/extensions';
import draco3d from 'draco3dgltf';
import express from 'express';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../../../../packages/asset-core/test/fixtures-dir.ts';
import { RenderPool } from './render.pool.ts';
import { normalizeRenderRequest } from './render.service.ts';
import { RenderError, type RenderedImage } from './render.types.ts';

const webDist = fileURLToPath(new URL('../../../../web/dist/', import.meta.url));
const fixtures = FIXTURES_DIR;
const samples = fileURLToPath(new URL('../../../test-results/render/', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const isCi = process.env.CI === 'true';
const hasChromium = existsSync(chromiumPath);
// Without Chromium a developer machine skips the suite; CI fails it (beforeAll says why).
const skip = !hasChromium && !isCi;
if (skip)
  console.warn(`render tests skipped: no Chromium at ${chromiumPath} (install it or set CHROMIUM_PATH)`);

/** Serves the built web app, the fixture models, a model that never arrives and one that arrives late. */
async function startStaticServer(
  extraModels: Record<string, Buffer>,
): Promise<{ server: Server; baseUrl: string; served: string[] }> {
  // Every path asked for: shows where the page fetched its decoders from.
  const served: string[] = [];
  const app = express();
  app.use((req, _res, next) => {
    served.push(req.path);
    next();
  });
  app.use(express.static(webDist, { index: false }));
  app.use('/fixtures', express.static(fixtures, { fallthrough: false }));
  app.get('/models/:name', (req, res) => {
    const model = extraModels[req.params.name];
    if (model) res.type('model/gltf-binary').send(model);
    else res.status(404).end();
  });
  // Never answers: a render of this hangs until the pool's timeout cuts it off.
  app.get('/hang.glb', () => {});
  // Answers after a while: keeps a render busy long enough to crash its browser or fill the queue.
  app.get('/slow/:name', (req, res) => {
    setTimeout(() => res.sendFile(path.join(fixtures, path.basename(req.params.name))), 1_000);
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, served };
}

/**
 * One triangle facing down, drawn one-sided: seen from above (every preset looks a little down) it is
 * culled, so the image comes back all background, as after a GPU-process crash.
 */
async function downwardTriangle(): Promise<Buffer> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const position = doc
    .createAccessor()
    .setType('VEC3')
    .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 0, 1]))
    .setBuffer(buffer);
  const material = doc.createMaterial('one-sided').setDoubleSided(false);
  const mesh = doc
    .createMesh('triangle')
    .addPrimitive(doc.createPrimitive().setAttribute('POSITION', position).setMaterial(material));
  doc.createScene('scene').addChild(doc.createNode('triangle').setMesh(mesh));
  return Buffer.from(await new NodeIO().writeBinary(doc));
}

/** Box.glb with its mesh Draco-compressed (the extension required). */
async function dracoBox(): Promise<Buffer> {
  const io = new NodeIO().registerExtensions([KHRDracoMeshCompression]).registerDependencies({
    'draco3d.encoder': await draco3d.createEncoderModule(),
  });
  const doc = await io.read(path.join(fixtures, 'Box.glb'));
  doc.createExtension(KHRDracoMeshCompression).setRequired(true);
  return Buffer.from(await io.writeBinary(doc));
}

/** A model with a node and no mesh: nothing to draw. */
async function emptyModel(): Promise<Buffer> {
  const doc = new Document();
  doc.createScene('scene').addChild(doc.createNode('empty'));
  return Buffer.from(await new NodeIO().writeBinary(doc));
}

const request = (overrides: Record<string, unknown>) =>
  normalizeRenderRequest({ width: 256, height: 256, ...overrides });
const model = (url: string) => ({ scene: { base: { url } } });

async function pixelsOf(image: RenderedImage | Buffer) {
  const data = Buffer.isBuffer(image) ? image : image.data;
  const { data: raw, info } = await sharp(data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => {
    const i = (y * info.width + x) * 4;
    return [raw[i]!, raw[i + 1]!, raw[i + 2]!, raw[i + 3]!] as const;
  };
  return { raw, width: info.width, height: info.height, at };
}

/** Share of pixels that differ by more than 24 levels in some channel. */
async function difference(a: RenderedImage, b: RenderedImage): Promise<number> {
  const [pa, pb] = await Promise.all([pixelsOf(a), pixelsOf(b)]);
  let differing = 0;
  for (let i = 0; i < pa.raw.length; i += 4) {
    for (let c = 0; c < 4; c++) {
      if (Math.abs(pa.raw[i + c]! - pb.raw[i + c]!) > 24) {
        differing++;
        break;
      }
    }
  }
  return differing / (pa.raw.length / 4);
}

function save(name: string, image: RenderedImage): void {
  mkdirSync(samples, { recursive: true });
  writeFileSync(path.join(samples, name), image.data);
}

async function failureOf(promise: Promise<unknown>): Promise<RenderError> {
  const error = await promise.then(
    () => new Error('the render succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RenderError);
  return error as RenderError;
}

// Browser restarts and fresh pages are slow on a loaded 2-core machine: a minute per test.
describe.skipIf(skip)('render pool', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  let baseUrl = '';
  let served: string[] = [];
  let pool: RenderPool;
  /** Short timeout, a one-job queue and a page recycled every 3 renders, for the fault tests. */
  let faulty: RenderPool;

  beforeAll(async () => {
    if (!existsSync(path.join(webDist, 'render.html'))) {
      throw new Error(
        `${webDist}render.html is missing: build the web app first (\`npx -y pnpm@10.34.9 --filter @avatar/web build\`)`,
      );
    }
    if (!hasChromium) {
      throw new Error(
        `Chromium not found at ${chromiumPath}: install it (apt-get install chromium) or set CHROMIUM_PATH`,
      );
    }
    const started = await startStaticServer({
      'downward.glb': await downwardTriangle(),
      'empty.glb': await emptyModel(),
      'draco-box.glb': await dracoBox(),
    });
    server = started.server;
    baseUrl = started.baseUrl;
    served = started.served;
    const renderPageUrl = `${baseUrl}/render.html`;
    pool = new RenderPool({ chromiumPath, size: 2, renderPageUrl, timeoutMs: 20_000, maxQueue: 16 });
    faulty = new RenderPool({
      chromiumPath,
      size: 1,
      renderPageUrl,
      // Short enough for the hang test, long enough for a fresh page's first render (shaders compile)
      // on a loaded 2-core machine.
      timeoutMs: 10_000,
      maxQueue: 1,
      recycleAfter: 3,
    });
    await Promise.all([pool.start(), faulty.start()]);
  });

  afterAll(async () => {
    await Promise.all([pool?.close(), faulty?.close()]);
    const started = server;
    if (started) await new Promise((resolve) => started.close(resolve));
  });

  it('renders Fox.glb as a 256x256 PNG on a transparent background, lit and framed', async () => {
    const image = await pool.render(
      request({ format: 'png', background: 'transparent', ...model(`${baseUrl}/fixtures/Fox.glb`) }),
    );
    save('fox-three-quarter.png', image);
    expect(image.contentType).toBe('image/png');
    const { width, height, at } = await pixelsOf(image);
    expect([width, height]).toEqual([256, 256]);
    for (const [x, y] of [
      [0, 0],
      [255, 0],
      [0, 255],
      [255, 255],
    ] as const)
      expect(at(x, y)[3]).toBe(0);
    // The middle holds the model: opaque pixels that are neither black silhouette nor blown-out white.
    let opaque = 0;
    let midTone = 0;
    for (let y = 64; y < 192; y++) {
      for (let x = 64; x < 192; x++) {
        const [r, g, b, a] = at(x, y);
        if (a < 250) continue;
        opaque++;
        const brightest = Math.max(r, g, b);
        if (brightest > 40 && Math.min(r, g, b) < 245) midTone++;
      }
    }
    expect(opaque).toBeGreaterThan(128 * 128 * 0.1);
    expect(midTone / opaque).toBeGreaterThan(0.8);
  });

  it('runs its pages in one browser, rendering on both at once', async () => {
    const box = request(model(`${baseUrl}/fixtures/Box.glb`));
    const images = await Promise.all([pool.render(box), pool.render(box), pool.render(box)]);
    expect(images.every((image) => image.data.length > 100)).toBe(true);
    expect(pool.stats()).toMatchObject({ size: 2, busy: 0, queued: 0, browserLaunches: 1 });
    const pids = await pool.processIds();
    expect(pids.length).toBeGreaterThan(2); // the browser, its GPU process and a renderer per page
  });

  it('encodes JPEG at the asked size', async () => {
    const image = await pool.render(
      request({
        format: 'jpg',
        quality: 85,
        width: 320,
        height: 200,
        ...model(`${baseUrl}/fixtures/CesiumMan.glb`),
      }),
    );
    save('cesium-man.jpg', image);
    expect(image.contentType).toBe('image/jpeg');
    expect([...image.data.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const meta = await sharp(image.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 200]);
    // A JPEG has no alpha: its transparent background came out white.
    const { at } = await pixelsOf(image);
    expect(Math.min(...at(2, 2).slice(0, 3))).toBeGreaterThan(245);
  });

  it('gives a different image for each camera preset', async () => {
    const robot = model(`${baseUrl}/fixtures/RobotExpressive.glb`);
    const images = [];
    for (const preset of ['front', 'three-quarter', 'portrait', 'full-body'] as const) {
      const image = await pool.render(request({ camera: { preset }, ...robot }));
      save(`robot-${preset}.png`, image);
      images.push(image);
    }
    for (let i = 0; i < images.length; i++) {
      for (let j = i + 1; j < images.length; j++)
        expect(await difference(images[i]!, images[j]!)).toBeGreaterThan(0.05);
    }
    const side = await pool.render(request({ camera: { yaw: 90, pitch: 0, fov: 30 }, ...robot }));
    expect(await difference(side, images[0]!)).toBeGreaterThan(0.05);
  });

  it('poses an animation at a given time, and applies morph weights', async () => {
    const fox = model(`${baseUrl}/fixtures/Fox.glb`);
    const foxStart = await pool.render(request({ animation: { time: 0 }, ...fox }));
    const foxLater = await pool.render(request({ animation: { time: 0.5 }, ...fox }));
    expect(await difference(foxStart, foxLater)).toBeGreaterThan(0.005);

    const robot = model(`${baseUrl}/fixtures/RobotExpressive.glb`);
    const dance = (time: number) =>
      pool.render(request({ camera: { preset: 'front' }, animation: { name: 'Dance', time }, ...robot }));
    const [early, late] = [await dance(0.2), await dance(1.2)];
    save('robot-dance.png', late);
    expect(await difference(early, late)).toBeGreaterThan(0.02);

    const face = (angry: number) =>
      pool.render(request({ camera: { preset: 'portrait' }, morphs: { Angry: angry }, ...robot }));
    const [calm, angry] = [await face(0), await face(1)];
    save('robot-angry.png', angry);
    expect(await difference(calm, angry)).toBeGreaterThan(0.005);
  });

  it('decodes a Draco-compressed model with the decoder bundled in the app, not a CDN', async () => {
    const image = await pool.render(request(model(`${baseUrl}/models/draco-box.glb`)));
    const { at } = await pixelsOf(image);
    expect(at(128, 128)[3]).toBe(255);
    expect(served.some((p) => /^\/assets\/draco_.*\.(js|wasm)$/.test(p))).toBe(true);
  });

  it('says clearly when a model is missing, has nothing to draw, or lacks the animation', async () => {
    const missing = await failureOf(pool.render(request(model(`${baseUrl}/fixtures/missing.glb`))));
    expect(missing.code).toBe('MODEL_NOT_FOUND');
    expect(missing.message).toMatch(/404/);
    const empty = await failureOf(pool.render(request(model(`${baseUrl}/models/empty.glb`))));
    expect(empty.code).toBe('EMPTY_MODEL');
    const clip = await failureOf(
      pool.render(
        request({ animation: { name: 'Moonwalk', time: 1 }, ...model(`${baseUrl}/fixtures/Fox.glb`) }),
      ),
    );
    expect(clip.code).toBe('ANIMATION_NOT_FOUND');
    expect(clip.message).toMatch(/Moonwalk/);
  });

  it('retries a blank image on a fresh page, then gives up with BLANK_IMAGE', async () => {
    const before = pool.stats();
    const blank = await failureOf(pool.render(request(model(`${baseUrl}/models/downward.glb`))));
    expect(blank.code).toBe('BLANK_IMAGE');
    expect(pool.stats().retried).toBe(before.retried + 1);
    expect(pool.stats().pagesReplaced).toBe(before.pagesReplaced + 2);
  });

  it('cuts off a render that hangs, and serves the next one', async () => {
    const hung = await failureOf(faulty.render(request(model(`${baseUrl}/hang.glb`))));
    expect(hung.code).toBe('TIMEOUT');
    const next = await faulty.render(request(model(`${baseUrl}/fixtures/Box.glb`)));
    expect(next.data.length).toBeGreaterThan(100);
  });

  it('replaces a page after `recycleAfter` renders', async () => {
    const before = faulty.stats().pagesReplaced;
    const box = request(model(`${baseUrl}/fixtures/Box.glb`));
    for (let i = 0; i < 3; i++) await faulty.render(box);
    expect(faulty.stats().pagesReplaced).toBeGreaterThan(before);
    expect((await faulty.render(box)).data.length).toBeGreaterThan(100);
  });

  it('refuses a job beyond the queue bound with QUEUE_FULL and a retry delay', async () => {
    const slow = request(model(`${baseUrl}/slow/Box.glb`));
    const running = faulty.render(slow);
    const waiting = faulty.render(slow);
    const refused = await failureOf(faulty.render(slow));
    expect(refused.code).toBe('QUEUE_FULL');
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await Promise.all([running, waiting]);
  });

  it('recovers from a killed browser by starting another and retrying the job', async () => {
    const [browserPid] = await faulty.processIds();
    expect(browserPid).toBeGreaterThan(0);
    const launches = faulty.stats().browserLaunches;
    // A first render makes sure the page is open and idle, so the kill lands during the next one.
    await faulty.render(request(model(`${baseUrl}/fixtures/Box.glb`)));
    const job = faulty.render(request(model(`${baseUrl}/slow/Box.glb`)));
    // The page is waiting for the slow model when the browser dies.
    await new Promise((resolve) => setTimeout(resolve, 400));
    process.kill(browserPid!, 'SIGKILL');
    const image = await job;
    expect(image.attempts).toBe(2);
    expect(faulty.stats().browserLaunches).toBe(launches + 1);
    save('box-after-crash.png', image);
  });
});
