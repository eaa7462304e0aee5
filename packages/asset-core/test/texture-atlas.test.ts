import { Document, type mat4, type Node, type Primitive } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import {
  type AtlasImageCodec,
  composeAvatar,
  countDrawCalls,
  filterMorphTargets,
  mergeDrawCalls,
  type RgbaImage,
  readGlb,
  textureAtlas,
  toGlb,
  validateGlb,
} from '../src/index.ts';
import { readFixture } from './fixtures.ts';

/**
 * A strict stand-in for sharp: "images" are raw RGBA with an 8-byte size header, scaled by nearest
 * neighbour; encoding keeps the pixels so the test can sample the atlas.
 */
const encoded: RgbaImage[] = [];
const rawCodec: AtlasImageCodec = {
  async decode(bytes, _mime, width, height) {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const [w, h] = [view.getUint32(0, true), view.getUint32(4, true)];
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sx = Math.floor(((x + 0.5) / width) * w);
        const sy = Math.floor(((y + 0.5) / height) * h);
        data.set(bytes.subarray(8 + (sy * w + sx) * 4, 12 + (sy * w + sx) * 4), (y * width + x) * 4);
      }
    }
    return { width, height, data };
  },
  async encode(image) {
    encoded.push(image);
    return { bytes: new Uint8Array(8), mimeType: 'image/png' };
  },
};

function rawImage(width: number, height: number, pixel: (x: number, y: number) => number[]): Uint8Array {
  const out = new Uint8Array(8 + width * height * 4);
  new DataView(out.buffer).setUint32(0, width, true);
  new DataView(out.buffer).setUint32(4, height, true);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) out.set(pixel(x, y), 8 + (y * width + x) * 4);
  return out;
}

function quad(doc: Document, uvs: number[]): Primitive {
  const buffer = doc.getRoot().listBuffers()[0] ?? doc.createBuffer();
  const acc = (type: 'VEC2' | 'VEC3' | 'SCALAR', array: Float32Array | Uint16Array) =>
    doc.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  return doc
    .createPrimitive()
    .setAttribute('POSITION', acc('VEC3', new Float32Array([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0])))
    .setAttribute('TEXCOORD_0', acc('VEC2', new Float32Array(uvs)))
    .setIndices(acc('SCALAR', new Uint16Array([0, 1, 2, 0, 2, 3])));
}

const sampleAtlas = (image: RgbaImage, u: number, v: number) => {
  const x = Math.min(image.width - 1, Math.floor(u * image.width));
  const y = Math.min(image.height - 1, Math.floor(v * image.height));
  return Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3));
};

describe('textureAtlas', () => {
  it('lays a repeating texture into its tile as often as the UVs span, so every point keeps its colour', async () => {
    const doc = new Document();
    const RED = [255, 0, 0];
    const GREEN = [0, 255, 0];
    // Left half red, right half green; the quad's U runs 0..2 (two repeats) and V 0..1.
    const texture = doc
      .createTexture('stripes')
      .setMimeType('image/png')
      .setImage(rawImage(2, 1, (x) => [...(x === 0 ? RED : GREEN), 255]));
    const striped = doc.createMaterial('striped').setBaseColorTexture(texture);
    striped.getBaseColorTextureInfo()!.setWrapS(10497); // REPEAT
    const blue = doc.createMaterial('blue').setBaseColorFactor([0, 0, 1, 1]);
    const mesh = doc.createMesh('m');
    mesh.addPrimitive(quad(doc, [0, 0, 2, 0, 2, 1, 0, 1]).setMaterial(striped));
    mesh.addPrimitive(quad(doc, [0, 0, 1, 0, 1, 1, 0, 1]).setMaterial(blue));
    doc.createScene().addChild(doc.createNode('n').setMesh(mesh));
    encoded.length = 0;

    const report = await textureAtlas(doc, { size: 64, codec: rawCodec, padding: 2 });
    expect(report).toMatchObject({ materialsBefore: 2, materialsAfter: 1, atlased: 2, skipped: [] });
    const atlas = encoded[0]!;
    expect([atlas.width, atlas.height]).toEqual([64, 64]);
    const [stripedPrim, bluePrim] = mesh.listPrimitives();
    // Points along the quad's bottom edge, by the original U: 0.25 and 1.25 red, 0.75 and 1.75 green.
    const uv = stripedPrim!.getAttribute('TEXCOORD_0')!;
    const [u0, v0] = uv.getElement(0, [] as number[]);
    const [u1] = uv.getElement(1, [] as number[]);
    const at = (originalU: number) => sampleAtlas(atlas, u0! + ((u1! - u0!) * originalU) / 2, v0! + 0.01);
    expect(at(0.25)).toEqual(RED);
    expect(at(0.75)).toEqual(GREEN);
    expect(at(1.25)).toEqual(RED);
    expect(at(1.75)).toEqual(GREEN);
    const [bu, bv] = bluePrim!.getAttribute('TEXCOORD_0')!.getElement(2, [] as number[]);
    expect(sampleAtlas(atlas, bu!, bv!)).toEqual([0, 0, 255]);
    expect(stripedPrim!.getMaterial()).toBe(bluePrim!.getMaterial());
    expect(stripedPrim!.getMaterial()!.getBaseColorTextureInfo()!.getWrapS()).toBe(33071); // CLAMP_TO_EDGE
  });

  it('leaves out what it cannot represent: too many repeats, clamped UVs out of range', async () => {
    const doc = new Document();
    const texture = doc
      .createTexture('t')
      .setMimeType('image/png')
      .setImage(rawImage(1, 1, () => [9, 9, 9, 255]));
    const tiled = doc.createMaterial('tiled').setBaseColorTexture(texture);
    const clamped = doc.createMaterial('clamped').setBaseColorTexture(texture);
    clamped.getBaseColorTextureInfo()!.setWrapS(33071);
    const plain = doc.createMaterial('plain');
    const other = doc.createMaterial('other').setBaseColorFactor([1, 0, 0, 1]);
    const mesh = doc.createMesh('m');
    mesh.addPrimitive(quad(doc, [0, 0, 10, 0, 10, 1, 0, 1]).setMaterial(tiled));
    mesh.addPrimitive(quad(doc, [0, 0, 2, 0, 2, 1, 0, 1]).setMaterial(clamped));
    mesh.addPrimitive(quad(doc, [0, 0, 1, 0, 1, 1, 0, 1]).setMaterial(plain));
    mesh.addPrimitive(quad(doc, [0, 0, 1, 0, 1, 1, 0, 1]).setMaterial(other));
    const report = await textureAtlas(doc, { size: 64, codec: rawCodec });
    expect(report.skipped.map((s) => s.material).sort()).toEqual(['clamped', 'tiled']);
    expect(report.materialsAfter).toBe(3);
  });
});

/** Every vertex where the renderer draws it at rest: skinned through its joints, or by its node. */
function restCentroid(doc: Document): { count: number; centroid: number[] } {
  const sum = [0, 0, 0];
  let count = 0;
  const apply = (m: mat4 | number[], p: number[]) =>
    [0, 1, 2].map((r) => m[r]! * p[0]! + m[4 + r]! * p[1]! + m[8 + r]! * p[2]! + m[12 + r]!);
  doc
    .getRoot()
    .getDefaultScene()!
    .traverse((node: Node) => {
      const mesh = node.getMesh();
      if (!mesh) return;
      const skin = node.getSkin();
      const joints = skin?.listJoints() ?? [];
      const ibm = skin?.getInverseBindMatrices();
      const jointMatrix = joints.map((j, i) => {
        const w = j.getWorldMatrix();
        const b = ibm ? ibm.getElement(i, []) : [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
        const out = new Array(16).fill(0);
        for (let c = 0; c < 4; c++)
          for (let r = 0; r < 4; r++)
            for (let k = 0; k < 4; k++) out[c * 4 + r] += w[k * 4 + r]! * b[c * 4 + k]!;
        return out;
      });
      for (const prim of mesh.listPrimitives()) {
        const pos = prim.getAttribute('POSITION')!;
        const jo = prim.getAttribute('JOINTS_0');
        const we = prim.getAttribute('WEIGHTS_0');
        for (let i = 0; i < pos.getCount(); i++) {
          const p = pos.getElement(i, []);
          let world = [0, 0, 0];
          if (skin && jo && we) {
            const js = jo.getElement(i, []);
            const ws = we.getElement(i, []);
            for (let k = 0; k < 4; k++) {
              if (!ws[k]) continue;
              const q = apply(jointMatrix[js[k]!]!, p);
              world = world.map((v, a) => v + ws[k]! * q[a]!);
            }
          } else world = apply(node.getWorldMatrix(), p);
          world.forEach((v, a) => {
            sum[a]! += v;
          });
          count++;
        }
      }
    });
  return { count, centroid: sum.map((v) => v / count) };
}

describe('mergeDrawCalls', () => {
  it('draws the composed robot in two calls with every vertex where it was, and stays valid', async () => {
    const doc = await readGlb(readFixture('RobotExpressive'));
    await composeAvatar(doc, {
      parts: [{ slot: 'hair', document: await readGlb(readFixture('Box')), socket: [{ role: 'head' }] }],
    });
    const before = restCentroid(doc);
    const material = doc.createMaterial('one');
    for (const mesh of doc.getRoot().listMeshes())
      for (const p of mesh.listPrimitives()) p.setMaterial(material);
    const report = mergeDrawCalls(doc);
    expect(report.drawCallsBefore).toBeGreaterThan(10);
    expect(countDrawCalls(doc)).toBe(2);
    const after = restCentroid(doc);
    expect(after.count).toBe(before.count);
    for (const [a, v] of after.centroid.entries()) expect(v).toBeCloseTo(before.centroid[a]!, 4);
    const validation = await validateGlb(await toGlb(doc), { maxTriangles: 1e9, maxIssues: 10 });
    expect(validation.errors).toEqual([]);
  }, 60_000);
});

describe('filterMorphTargets', () => {
  it('keeps the named targets with their weights and animations', async () => {
    const doc = await readGlb(readFixture('RobotExpressive'));
    const report = filterMorphTargets(doc, ['Surprised']);
    expect(report.kept).toEqual(['Surprised']);
    for (const mesh of doc.getRoot().listMeshes()) {
      if (!mesh.listPrimitives().some((p) => p.listTargets().length)) continue;
      expect(mesh.getExtras().targetNames).toEqual(['Surprised']);
      expect(mesh.getWeights()).toHaveLength(1);
    }
    const validation = await validateGlb(await toGlb(doc), { maxTriangles: 1e9, maxIssues: 10 });
    expect(validation.errors).toEqual([]);
  }, 60_000);
});
