import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/helpers/catalog.ts';
import { LocalDriver } from '../../storage/local.driver.ts';
import { rawGlb, splitGlb } from '../uploads/uploads.test-support.ts';
import { RenderHost } from './render.host.ts';
import { defaultWebDist } from './render.origin.ts';
import {
  ARTIFACTS,
  chromiumPath,
  contactSheet,
  coverageOf,
  differenceOf,
  isFramed,
  skipWithoutChromium,
} from './render.test-support.ts';
import { RenderError } from './render.types.ts';

const fixtureNames = ['Box', 'CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'] as const;
const artifacts = fileURLToPath(ARTIFACTS);

describe.skipIf(skipWithoutChromium)('the render service draws every fixture', () => {
  let root: string;
  let storage: LocalDriver;
  let render: RenderHost;
  const sheet: Array<{ label: string; image: Buffer }> = [];
  const blocked: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'avatar-render-fixtures-'));
    storage = new LocalDriver({
      root,
      publicBaseUrl: 'http://127.0.0.1:1',
      signingSecret: 'render-fixtures-test-secret',
    });
    for (const name of fixtureNames) {
      await storage.put(
        `assets/test/fixture/1.0.0/${name}.glb`,
        readFileSync(new URL(`${name}.glb`, FIXTURES)),
        {
          contentType: 'model/gltf-binary',
        },
      );
    }
    render = new RenderHost({
      storage,
      chromiumPath,
      webDist: defaultWebDist(undefined),
      poolSize: 1,
      timeoutMs: 30_000,
      maxQueue: 8,
      logger: {
        info: () => {},
        error: () => {},
        warn: (obj, msg) => {
          if (msg === 'render page request blocked') blocked.push((obj as { url: string }).url);
        },
      },
    });
  });

  afterAll(async () => {
    await render?.close();
    if (root) rmSync(root, { recursive: true, force: true });
    if (sheet.length > 0) {
      mkdirSync(artifacts, { recursive: true });
      writeFileSync(path.join(artifacts, 'contact-sheet.png'), await contactSheet(sheet, { columns: 4 }));
    }
  });

  const model = (name: string) =>
    render.storedModel({ storageKey: `assets/test/fixture/1.0.0/${name}.glb`, sha256: null });

  it('starts lazily: idle until the first render', async () => {
    expect(render.status().state).toBe('idle');
    await render.start();
    expect(render.status().state).toBe('ready');
  });

  for (const name of fixtureNames) {
    it(`renders ${name} at 256 and 1024, visible and inside the frame, and each preset differently`, async () => {
      const base = await model(name);
      const images: Record<string, Buffer> = {};
      for (const size of [256, 1024]) {
        const image = await render.renderImage({
          width: size,
          height: size,
          camera: { preset: 'three-quarter' },
          scene: { base },
        });
        const c = await coverageOf(image.data);
        expect([c.format, c.width, c.height], `${name} ${size}`).toEqual(['png', size, size]);
        expect(c.coverage, `${name} ${size}: share of the image the model covers`).toBeGreaterThan(0.04);
        expect(isFramed(c), `${name} ${size}: ${JSON.stringify(c.box)}`).toBe(true);
        // Lit: most of the model is neither a black silhouette nor blown-out white.
        expect(c.midTone, `${name} ${size}: mid tones`).toBeGreaterThan(0.7);
        images[size] = image.data;
        sheet.push({ label: `${name} three-quarter ${size}`, image: image.data });
      }
      const front = await render.renderImage({
        width: 256,
        height: 256,
        camera: { preset: 'front' },
        scene: { base },
      });
      sheet.push({ label: `${name} front 256`, image: front.data });
      expect(isFramed(await coverageOf(front.data)), `${name} front`).toBe(true);
      expect(await differenceOf(front.data, images[256]!), `${name}: front vs three-quarter`).toBeGreaterThan(
        0.02,
      );
      const portrait = await render.renderImage({
        width: 256,
        height: 256,
        camera: { preset: 'portrait' },
        scene: { base },
      });
      sheet.push({ label: `${name} portrait 256`, image: portrait.data });
    });
  }

  it('blocks every request but its own code and the models it was given: no other host, no file:', async () => {
    // Box.glb with a texture the model itself points at, on another host and then on the local disk: one
    // model each, since the first image refused may end the load before the other is even asked for.
    const { json, bin } = splitGlb(new Uint8Array(readFileSync(new URL('Box.glb', FIXTURES))));
    const pointingAt = (uri: string) => {
      const copy = structuredClone(json);
      copy.images = [{ uri }];
      copy.textures = [{ source: 0 }];
      copy.materials[0].pbrMetallicRoughness.baseColorTexture = { index: 0 };
      return rawGlb(copy, bin);
    };
    for (const uri of ['http://192.0.2.1/leak.png', 'file:///etc/passwd']) {
      const outcome = await render.renderBytes(pointingAt(uri), { width: 64, height: 64 }).then(
        () => 'rendered',
        (e: unknown) => (e instanceof RenderError ? e.code : String(e)),
      );
      expect(['rendered', 'MODEL_INVALID', 'MODEL_FETCH_FAILED', 'RENDER_FAILED']).toContain(outcome);
    }
    // The refusal reaches this process by its own round trip, which may come after the render's answer.
    await expect.poll(() => blocked, { timeout: 5_000 }).toContain('http://192.0.2.1/leak.png');
    // The page still renders afterwards.
    const box = await render.renderImage({ width: 64, height: 64, scene: { base: await model('Box') } });
    expect((await coverageOf(box.data)).coverage).toBeGreaterThan(0.04);
  });
});
