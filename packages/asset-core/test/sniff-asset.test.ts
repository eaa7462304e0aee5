import { describe, expect, it } from 'vitest';
import { gltfToGlb, inspectAsset, sniffAsset, validateGlb, withinReadBudget } from '../src/index.ts';
import { binOf, jsonOf, noise, rawGlb, readFixture } from './fixtures.ts';

const gltfJson = (json: object) => new TextEncoder().encode(JSON.stringify(json));
const dataUri = (bytes: Uint8Array) =>
  `data:application/octet-stream;base64,${Buffer.from(bytes).toString('base64')}`;

/** Box.glb as a self-contained .gltf: the BIN chunk moved into a data: URI. */
function boxAsGltf(): Record<string, unknown> {
  const box = readFixture('Box');
  const json = jsonOf(box) as { buffers: Array<Record<string, unknown>> };
  json.buffers[0]!.uri = dataUri(binOf(box).slice(0, json.buffers[0]!.byteLength as number));
  return json;
}

describe('sniffAsset', () => {
  it('recognises GLB and glTF JSON from the bytes, whatever the file is called', () => {
    expect(sniffAsset(readFixture('Fox'))).toMatchObject({ ok: true, format: 'glb' });
    expect(sniffAsset(gltfJson(boxAsGltf()))).toMatchObject({ ok: true, format: 'gltf' });
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...gltfJson(boxAsGltf())]);
    expect(sniffAsset(withBom)).toMatchObject({ ok: true, format: 'gltf' });
  });

  it.each([
    ['empty input', new Uint8Array(0), 'GLB_EMPTY'],
    ['random bytes', noise(2000), 'GLB_BAD_MAGIC'],
    ['JSON that is not glTF', gltfJson({ hello: 'world' }), 'GLTF_JSON_INVALID'],
    ['broken JSON', new TextEncoder().encode('{"asset": {'), 'GLTF_JSON_INVALID'],
    ['a truncated GLB', readFixture('Fox').slice(0, 5000), 'GLB_TRUNCATED'],
  ])('refuses %s', (_, bytes, code) => {
    const result = sniffAsset(bytes);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]).toMatchObject({ code });
  });

  it.each([
    ['https://example.com/a.bin'],
    ['http://169.254.169.254/latest/meta-data'],
    ['file:///etc/passwd'],
    ['../../secrets.bin'],
    ['texture.png'],
  ])('refuses the external URI %s in a GLB or a .gltf, without echoing it', (uri) => {
    const glb = rawGlb({ asset: { version: '2.0' }, images: [{ uri }] });
    const gltf = gltfJson({ asset: { version: '2.0' }, buffers: [{ uri, byteLength: 4 }] });
    for (const bytes of [glb, gltf]) {
      const result = sniffAsset(bytes);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.issues[0]).toMatchObject({ code: 'GLB_EXTERNAL_RESOURCE' });
      expect(result.issues[0]!.message).toContain('never fetches');
      expect(result.issues[0]!.message).not.toContain(uri);
    }
  });

  it('refuses data: URIs longer than the limit', () => {
    const bytes = gltfJson(boxAsGltf());
    expect(sniffAsset(bytes, { maxDataUriBytes: 100 })).toMatchObject({
      ok: false,
      issues: [{ code: 'LIMIT_DATA_URI_BYTES', pointer: '/buffers/0' }],
    });
    expect(sniffAsset(bytes, { maxDataUriBytes: 10_000 }).ok).toBe(true);
  });

  it('lets the reader start early only on files within the limits and a sane copy budget', () => {
    const limits = { maxTriangles: 500_000, maxVertices: 1_000_000, maxTextureDimension: 4096 };
    const fox = readFixture('Fox');
    expect(withinReadBudget(fox, jsonOf(fox), limits)).toBe(true);
    expect(withinReadBudget(fox, jsonOf(fox), { ...limits, maxTriangles: 10 })).toBe(false);
    const greedy = {
      asset: { version: '2.0' },
      accessors: [{ count: 2 ** 31, type: 'MAT4', componentType: 5126 }],
    };
    expect(withinReadBudget(rawGlb(greedy), greedy, limits)).toBe(false);
  });
});

describe('gltfToGlb', () => {
  it('converts a self-contained .gltf to a GLB with the same content', async () => {
    const json = boxAsGltf();
    const result = await gltfToGlb(gltfJson(json), json);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect((await validateGlb(result.glb)).errors).toEqual([]);
    const [converted, original] = await Promise.all([
      inspectAsset(result.glb),
      inspectAsset(readFixture('Box')),
    ]);
    expect(converted.geometry).toEqual(original.geometry);
    expect(converted.bounds).toEqual(original.bounds);
  });

  it('answers the Khronos validator’s errors for an invalid .gltf', async () => {
    const json = boxAsGltf() as { accessors: Array<Record<string, unknown>> };
    json.accessors[0]!.count = 1_000_000;
    const result = await gltfToGlb(gltfJson(json), json);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.report.errors.length).toBeGreaterThan(0);
    expect(result.report.errors[0]).toMatchObject({ source: 'khronos' });
  });
});
