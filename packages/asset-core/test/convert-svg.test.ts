import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSvgConverter,
  isPoseNotFoundError,
  type QualityLevel,
  readGlb,
  SVG_POLYGON_BUDGETS,
  type SvgCamera,
  toSvg,
} from '../src/index.ts';
import { type FixtureName, readFixture } from './fixtures.ts';
import { loadNodeEncoders } from './node-encoders.ts';

type Sharp = (input: Buffer) => {
  flatten(o: { background: string }): ReturnType<Sharp>;
  raw(): ReturnType<Sharp>;
  toBuffer(o: {
    resolveWithObject: true;
  }): Promise<{ data: Buffer; info: { width: number; height: number } }>;
};
type DecodeSharp = (input: Buffer) => {
  ensureAlpha(): ReturnType<DecodeSharp>;
  raw(): ReturnType<DecodeSharp>;
  toBuffer(o: {
    resolveWithObject: true;
  }): Promise<{ data: Buffer; info: { width: number; height: number } }>;
};
/** A colour whose channels differ by more than a few levels: not a grey. */
const chromatic = (hex: string) => {
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return Math.max(r!, g!, b!) - Math.min(r!, g!, b!) > 12;
};
let sharp: Sharp;
let simplifier: unknown;
beforeAll(async () => {
  const encoders = await loadNodeEncoders();
  sharp = encoders.sharp as Sharp;
  simplifier = encoders.simplifier;
});

const read = (name: FixtureName) => readGlb(readFixture(name));
const fixtures: FixtureName[] = ['Box', 'CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'];

interface Parsed {
  viewBox: number[];
  width: number;
  height: number;
  polygons: Array<{ points: number[][]; fill: string }>;
  elements: Set<string>;
}

/** Parsed by a real XML parser (fast-xml-parser), after its validator accepts the document. */
function parse(svg: string): Parsed {
  expect(XMLValidator.validate(svg)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg);
  const root = doc.svg;
  expect(root.xmlns).toBe('http://www.w3.org/2000/svg');
  const elements = new Set<string>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (/^[a-z]/i.test(key) && typeof value === 'object') elements.add(key);
      for (const child of Array.isArray(value) ? value : [value]) walk(child);
    }
  };
  walk(root);
  const list = root.g?.polygon ?? [];
  const polygons = (Array.isArray(list) ? list : [list]).map((p: { points: string; fill: string }) => ({
    points: p.points.split(' ').map((pair) => pair.split(',').map(Number)),
    fill: p.fill,
  }));
  return {
    viewBox: String(root.viewBox).split(' ').map(Number),
    width: Number(root.width),
    height: Number(root.height),
    polygons,
    elements,
  };
}

/** Rasterized by sharp (librsvg) on white: share of drawn pixels and whether any touches the border. */
async function rasterize(svg: string) {
  const { data, info } = await sharp(Buffer.from(svg))
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let drawn = 0;
  let edge = 0;
  const channels = data.length / (info.width * info.height);
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const i = (y * info.width + x) * channels;
      if (data[i]! < 250 || data[i + 1]! < 250 || data[i + 2]! < 250) {
        drawn++;
        if (x === 0 || y === 0 || x === info.width - 1 || y === info.height - 1) edge++;
      }
    }
  }
  return { share: drawn / (info.width * info.height), edge, ...info };
}

describe('toSvg', () => {
  it.each(fixtures)('%s: a vector drawing within the low budget that shows the avatar', async (name) => {
    const result = await toSvg(await read(name), { quality: 'low', simplifier });
    const svg = parse(result.svg);
    expect(svg.elements.has('image')).toBe(false); // vectors, not a bitmap inside an SVG
    expect([...svg.elements].sort()).toEqual(['g', 'polygon']);
    expect(svg.polygons.length).toBe(result.polygons);
    expect(svg.polygons.length).toBeGreaterThan(0);
    expect(svg.polygons.length).toBeLessThanOrEqual(SVG_POLYGON_BUDGETS.low);
    // The viewBox is fitted to the drawing: every point inside, longest side the drawing's size.
    const [x0, y0, w, h] = svg.viewBox;
    expect([x0, y0, w, h]).toEqual([0, 0, svg.width, svg.height]);
    expect(Math.max(w!, h!)).toBe(1024);
    const xs = svg.polygons.flatMap((p) => p.points.map((q) => q[0]!));
    const ys = svg.polygons.flatMap((p) => p.points.map((q) => q[1]!));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(w!);
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ys)).toBeLessThanOrEqual(h!);
    // Rasterized: a fair share of the frame is avatar, and it is not cut off at the edges.
    const raster = await rasterize(result.svg);
    expect(raster.width).toBe(svg.width);
    expect(raster.share).toBeGreaterThan(0.1);
    expect(raster.edge).toBe(0);
  });

  it.each<QualityLevel>(['low', 'medium', 'high'])('keeps the %s polygon budget', async (quality) => {
    const result = await toSvg(await read('Fox'), { quality, simplifier });
    expect(parse(result.svg).polygons.length).toBeLessThanOrEqual(SVG_POLYGON_BUDGETS[quality]);
  });

  it('keeps a budget without a simplifier, dropping the smallest polygons', async () => {
    const result = await toSvg(await read('CesiumMan'), { maxPolygons: 300 });
    expect(result.polygons).toBe(300);
    expect(result.triangles).toBeGreaterThan(300);
    expect((await rasterize(result.svg)).share).toBeGreaterThan(0.1);
  });

  it('culls back faces and merges coplanar neighbours: the Box is three shaded quads', async () => {
    const result = await toSvg(await read('Box'), { camera: { preset: 'three-quarter' } });
    const svg = parse(result.svg);
    expect(result.triangles).toBe(6); // three faces turned to the camera, two triangles each
    expect(svg.polygons.map((p) => p.points.length)).toEqual([4, 4, 4]);
    // Flat shading of one red material: three reds, lit differently.
    const fills = new Set(svg.polygons.map((p) => p.fill));
    expect(fills.size).toBe(3);
    for (const fill of fills) expect(fill).toMatch(/^#[0-9a-f]{2}0000$/);
  });

  it.each<[string, SvgCamera]>([
    ['front', { preset: 'front' }],
    ['portrait', { preset: 'portrait' }],
    ['angles', { yaw: 90, pitch: 0 }],
  ])('draws from the %s camera', async (_, camera) => {
    const front = await toSvg(await read('RobotExpressive'), { camera: { preset: 'three-quarter' } });
    const other = await toSvg(await read('RobotExpressive'), { camera });
    expect(other.svg).not.toBe(front.svg);
    expect((await rasterize(other.svg)).share).toBeGreaterThan(0.1);
  });

  it('frames the head and shoulders in a portrait, the whole figure in a front view', async () => {
    const whole = parse((await toSvg(await read('CesiumMan'), { camera: { preset: 'front' } })).svg);
    const portrait = parse((await toSvg(await read('CesiumMan'), { camera: { preset: 'portrait' } })).svg);
    expect(whole.height / whole.width).toBeGreaterThan(1.5); // a standing figure
    expect(portrait.height / portrait.width).toBeLessThan(1.5);
  });

  it('draws the pose asked for, and refuses an animation the avatar does not have', async () => {
    const fox = await read('Fox');
    const clip = fox.getRoot().listAnimations()[0]!.getName();
    const bind = await toSvg(fox);
    const posed = await toSvg(await read('Fox'), { pose: { animation: clip, time: 0.4 } });
    expect(posed.svg).not.toBe(bind.svg);
    const error = await toSvg(await read('Fox'), { pose: { animation: 'Moonwalk' } }).catch((e) => e);
    expect(isPoseNotFoundError(error)).toBe(true);
  });

  it.each<FixtureName>(['chr_knight', 'CesiumMan'])(
    '%s: polygons take the colour of the texture under them when a decoder is given',
    async (name) => {
      const decodeTexture = async (image: Uint8Array) => {
        const { data, info } = await (sharp as unknown as DecodeSharp)(Buffer.from(image))
          .ensureAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        return { width: info.width, height: info.height, data: new Uint8Array(data) };
      };
      const plain = parse((await toSvg(await read(name), { quality: 'low', simplifier })).svg);
      const textured = await toSvg(await read(name), { quality: 'low', simplifier, decodeTexture });
      const svg = parse(textured.svg);
      const hues = (p: Parsed) => new Set(p.polygons.map((q) => q.fill.slice(1)).filter(chromatic)).size;
      expect(hues(plain)).toBe(0); // white factors: greys only
      expect(hues(svg)).toBeGreaterThan(5);
      expect(svg.polygons.length).toBeLessThanOrEqual(SVG_POLYGON_BUDGETS.low);
      expect((await rasterize(textured.svg)).share).toBeGreaterThan(0.1);
    },
  );

  it('is the SVG export converter', async () => {
    const converter = createSvgConverter({ simplifier });
    expect(converter).toMatchObject({ extension: 'svg', contentType: 'image/svg+xml' });
    const bytes = await converter.convert(await read('Box'), { quality: 'low', camera: { preset: 'front' } });
    expect(new TextDecoder().decode(bytes)).toMatch(/^<\?xml[^>]*>\n<svg /);
  });
});
