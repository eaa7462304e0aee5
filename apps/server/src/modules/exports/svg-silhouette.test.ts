import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readGlb, toSvg } from '@avatar/asset-core';
import { MeshoptSimplifier } from 'meshoptimizer';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { FIXTURES } from '../../../test/helpers/catalog.ts';
import { ARTIFACTS, skipWithoutChromium } from '../render/render.test-support.ts';
import { decodeTextureWithSharp } from './decode-texture.ts';

type Fixture = 'Box' | 'CesiumMan' | 'Fox' | 'RobotExpressive' | 'chr_knight';
const SIDE = 96;

/**
 * The silhouette of an image (alpha above 16), cropped to its own bounding box and scaled to SIDE x
 * SIDE, with the box's aspect ratio: framing and margins differ between the two drawers, shape must not.
 */
async function silhouette(image: Buffer): Promise<{ mask: Uint8Array; aspect: number }> {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let [left, top, right, bottom] = [info.width, info.height, -1, -1];
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[(y * info.width + x) * 4 + 3]! <= 16) continue;
      [left, top, right, bottom] = [
        Math.min(left, x),
        Math.min(top, y),
        Math.max(right, x),
        Math.max(bottom, y),
      ];
    }
  }
  expect(right).toBeGreaterThan(left);
  const crop = await sharp(image)
    .extract({ left, top, width: right - left + 1, height: bottom - top + 1 })
    .resize(SIDE, SIDE, { fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer();
  const mask = new Uint8Array(SIDE * SIDE);
  for (let i = 0; i < mask.length; i++) mask[i] = crop[i * 4 + 3]! > 127 ? 1 : 0;
  return { mask, aspect: (right - left + 1) / (bottom - top + 1) };
}

function intersectionOverUnion(a: Uint8Array, b: Uint8Array): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    both += a[i]! & b[i]!;
    either += a[i]! | b[i]!;
  }
  return both / either;
}

describe.skipIf(skipWithoutChromium)('the SVG export has the silhouette of the PNG render', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({}, { render: true });
    await app.render!.start(); // the browser's cold start, outside every test's time
  }, 120_000);
  afterAll(() => app?.close());

  // The robot's bind pose (arms out) is not its rest pose (arms down), which the renderer draws when
  // no animation is named: both are asked for the same clip and time instead.
  it.each<[Fixture, 'front' | 'three-quarter', string?]>([
    ['Box', 'three-quarter'],
    ['CesiumMan', 'front'],
    ['CesiumMan', 'three-quarter'],
    ['Fox', 'three-quarter', 'Armature|Take 001|BaseLayer'],
    ['RobotExpressive', 'three-quarter', 'Idle'],
    ['RobotExpressive', 'front', 'Dance'],
    ['chr_knight', 'three-quarter'],
  ])(
    '%s from the %s camera (pose: %s)',
    async (fixture, preset, animation) => {
      const glb = new Uint8Array(readFileSync(new URL(`${fixture}.glb`, FIXTURES)));
      const camera = { preset };
      const png = await app.render!.renderBytes(glb, {
        width: 384,
        height: 384,
        format: 'png',
        background: 'transparent',
        camera,
        ...(animation ? { animation: { name: animation, time: 0.3 } } : {}),
      });
      const { svg } = await toSvg(await readGlb(glb), {
        camera,
        quality: 'medium',
        simplifier: MeshoptSimplifier,
        decodeTexture: decodeTextureWithSharp,
        size: 384,
        ...(animation ? { pose: { animation, time: 0.3 } } : {}),
      });
      // Left for people to look at, side by side with the render.
      const out = new URL('svg-silhouette/', ARTIFACTS);
      mkdirSync(out, { recursive: true });
      writeFileSync(new URL(`${fixture}-${preset}.png`, out), png.data);
      writeFileSync(new URL(`${fixture}-${preset}.svg`, out), svg);
      const [rendered, drawn] = await Promise.all([
        silhouette(Buffer.from(png.data)),
        silhouette(Buffer.from(svg)),
      ]);
      // Same proportions, and the same shape within a tolerance: the renderer's perspective distance,
      // anti-aliasing and the SVG's hairline strokes move edges by a pixel or two.
      expect(drawn.aspect / rendered.aspect).toBeGreaterThan(0.85);
      expect(drawn.aspect / rendered.aspect).toBeLessThan(1.18);
      expect(intersectionOverUnion(rendered.mask, drawn.mask)).toBeGreaterThan(0.8);
    },
    60_000,
  );
});
