import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bakedBounds } from '../src/bake-pose.ts';
import { countGeometry } from '../src/count-geometry.ts';
import { bakePose, composeAvatar, isPoseNotFoundError, objConverter, readGlb, toObj } from '../src/index.ts';
import { assimpInfo, unzipToTemp } from './assimp.ts';
import { type FixtureName, readFixture } from './fixtures.ts';

const read = (name: FixtureName) => readGlb(readFixture(name));
const fixtures: FixtureName[] = ['Box', 'CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'];

describe('toObj, read back by assimp', () => {
  it.each(fixtures)('%s: same triangles and vertices, meshes, bounds and textures', async (name) => {
    const doc = await read(name);
    const stored = countGeometry(doc.getRoot().listMeshes());
    const result = toObj(doc);
    const zip = unzipToTemp(result.zip);
    try {
      expect(zip.files).toEqual(expect.arrayContaining(['avatar.obj', 'avatar.mtl', ...result.textures]));
      const obj = join(zip.dir, 'avatar.obj');
      const raw = await assimpInfo(obj, { raw: true });
      // Every glTF triangle is one OBJ face. (These fixtures use each mesh once, so the stored count is
      // the drawn count.)
      expect(raw.faces).toBe(stored.triangles);
      expect(result.triangles).toBe(stored.triangles);
      // OBJ indexes positions, UVs and normals separately, so assimp's OBJ reader makes a vertex per
      // face corner; we write every glTF vertex once, so the file itself has the glTF's vertex count.
      expect(raw.vertices).toBe(3 * stored.triangles);
      expect(result.vertices).toBe(stored.vertices);
      expect(countLines(result.obj, 'v ')).toBe(stored.vertices);
      // One group per mesh instance.
      expect(raw.meshes).toBeGreaterThanOrEqual(countLines(result.obj, 'o '));
      // assimp (with its default post-processing, which joins identical vertices) sees our bounds.
      const joined = await assimpInfo(obj);
      expect(joined.vertices).toBeLessThanOrEqual(stored.vertices);
      const bounds = bakedBounds(bakePose(await read(name)))!;
      for (let k = 0; k < 3; k++) {
        expect(joined.min[k]).toBeCloseTo(bounds.min[k]!, 3);
        expect(joined.max[k]).toBeCloseTo(bounds.max[k]!, 3);
      }
      // Each base colour texture is beside the MTL, named by map_Kd, and is the glTF's image.
      for (const path of result.textures) {
        expect(result.mtl).toContain(`map_Kd ${path}`);
        expect(readFileSync(join(zip.dir, path)).byteLength).toBeGreaterThan(0);
      }
      const textured = doc
        .getRoot()
        .listMaterials()
        .filter((m) => m.getBaseColorTexture());
      expect(result.textures.length > 0).toBe(textured.length > 0);
    } finally {
      zip.remove();
    }
  });

  it('writes materials with their base colour: the Box is red', async () => {
    const { mtl } = toObj(await read('Box'));
    expect(mtl).toMatch(/newmtl Red\nKd 0\.8 0 0\n/);
  });

  it('applies node transforms: a part at a socket lands where the base puts it', async () => {
    const robot = await read('RobotExpressive');
    await composeAvatar(robot, {
      parts: [{ slot: 'hair', document: await read('Box'), socket: { role: 'head' } }],
    });
    const { obj } = toObj(robot);
    const hair = obj.slice(obj.indexOf('o hair'));
    const ys = [...hair.matchAll(/^v \S+ (\S+) \S+$/gm)].slice(0, 24).map((m) => Number(m[1]));
    // The robot's head is about 3.5 units up; the Box alone spans -0.5..0.5.
    expect(Math.min(...ys)).toBeGreaterThan(2.5);
  });

  it('writes skinned meshes in the bind pose by default, and in an animation frame when asked', async () => {
    const fox = await read('Fox');
    const clip = fox.getRoot().listAnimations()[0]!.getName();
    const bind = bakedBounds(bakePose(await read('Fox')))!;
    const posed = toObj(await read('Fox'), { pose: { animation: clip, time: 0.4 } });
    const bindObj = toObj(fox);
    expect(posed.triangles).toBe(bindObj.triangles);
    expect(posed.obj).not.toBe(bindObj.obj);
    const zip = unzipToTemp(posed.zip);
    try {
      const info = await assimpInfo(join(zip.dir, 'avatar.obj'));
      const moved = [0, 1, 2].some(
        (k) => Math.abs(info.min[k]! - bind.min[k]!) > 1e-3 || Math.abs(info.max[k]! - bind.max[k]!) > 1e-3,
      );
      expect(moved).toBe(true);
    } finally {
      zip.remove();
    }
  });

  it('refuses an animation the avatar does not have, naming the ones it has', async () => {
    const error = await objConverter
      .convert(await read('Fox'), { pose: { animation: 'Moonwalk' } })
      .catch((e: unknown) => e);
    expect(isPoseNotFoundError(error)).toBe(true);
    expect((error as Error).message).toMatch(/no animation named "Moonwalk".*It has: /);
  });

  it('is the OBJ export converter: a zip', async () => {
    expect(objConverter).toMatchObject({ extension: 'zip', contentType: 'application/zip' });
    const bytes = await objConverter.convert(await read('Box'));
    expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client left'));
    await expect(objConverter.convert(await read('Box'), { signal: controller.signal })).rejects.toThrow(
      'client left',
    );
  });
});

function countLines(text: string, prefix: string): number {
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith(prefix)) n++;
  return n;
}
