import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  containerIssueCodes,
  limitIssueCodes,
  sniffAsset,
  VALIDATE_GLB_DEFAULTS,
  validateGlb,
} from '../src/index.ts';
import { KHRONOS_NON_ERROR_CODES } from '../src/khronos-non-error-codes.ts';
import { PrimitiveMode } from '../src/primitive-mode.ts';
import { binOf, buildGlb, type FixtureName, jsonOf, noise, rawGlb, readFixture } from './fixtures.ts';

describe('validateGlb on real assets', () => {
  // Triangle and vertex counts as the Khronos validator's own `info` reports them.
  const expected: Array<[FixtureName, { triangles: number; vertices: number; maxTextureDimension: number }]> =
    [
      ['Box', { triangles: 12, vertices: 24, maxTextureDimension: 0 }],
      ['CesiumMan', { triangles: 4672, vertices: 12005, maxTextureDimension: 1024 }],
      ['Fox', { triangles: 3552, vertices: 6433, maxTextureDimension: 0 }],
      ['RobotExpressive', { triangles: 3237, vertices: 7214, maxTextureDimension: 0 }],
      ['chr_knight', { triangles: 1460, vertices: 4380, maxTextureDimension: 256 }],
    ];

  it.each(expected)('accepts %s and counts it', async (name, counts) => {
    const report = await validateGlb(readFixture(name));
    expect(report.errors).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.stats).toMatchObject(counts);
    expect(report.khronos).toEqual({ version: '2.0.0-dev.3.10', truncated: false });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('counts skins, joints, animations and morph targets', async () => {
    const fox = await validateGlb(readFixture('Fox'));
    expect(fox.stats).toMatchObject({ skins: 1, maxJoints: 23, animations: 1, meshes: 5 });
    const robot = await validateGlb(readFixture('RobotExpressive'));
    expect(robot.stats).toMatchObject({
      skins: 4,
      maxJoints: 43,
      animations: 14,
      meshes: 19,
      maxMorphTargets: 3,
    });
    // Warnings do not make an asset invalid, and they keep the validator's codes and pointers.
    expect(robot.warnings[0]).toMatchObject({ source: 'khronos', code: 'NODE_SKINNED_MESH_NON_ROOT' });
    expect(robot.warnings[0]?.pointer).toMatch(/^\/nodes\/\d+$/);
  });
});

describe('validateGlb on bad input never throws', () => {
  const fox = readFixture('Fox');

  async function expectContainerError(bytes: Uint8Array, code: string) {
    const report = await validateGlb(bytes);
    expect(report.valid).toBe(false);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ source: 'container', code });
    expect(report.errors[0]?.message.length).toBeGreaterThan(10);
    expect(report.khronos).toBeNull();
    return report.errors[0]!;
  }

  it('rejects empty input', async () => {
    await expectContainerError(new Uint8Array(0), 'GLB_EMPTY');
  });

  it('rejects input shorter than a header', async () => {
    await expectContainerError(fox.slice(0, 5), 'GLB_TOO_SHORT');
  });

  it('rejects random bytes', async () => {
    await expectContainerError(noise(1000), 'GLB_BAD_MAGIC');
  });

  it('rejects a wrong magic number', async () => {
    const bytes = fox.slice();
    bytes[0] = 0x47; // 'G'
    await expectContainerError(bytes, 'GLB_BAD_MAGIC');
  });

  it('tells a .gltf JSON file from a GLB', async () => {
    const text = new TextEncoder().encode('\n  {"asset":{"version":"2.0"}}');
    const issue = await expectContainerError(text, 'GLB_BAD_MAGIC');
    expect(issue.message).toContain('.gltf');
  });

  it('rejects a GLB 1.0 header', async () => {
    const bytes = fox.slice();
    new DataView(bytes.buffer).setUint32(4, 1, true);
    await expectContainerError(bytes, 'GLB_UNSUPPORTED_VERSION');
  });

  it('rejects a truncated Fox.glb, saying how much is missing', async () => {
    const issue = await expectContainerError(fox.slice(0, 300_000), 'GLB_TRUNCATED');
    expect(issue.message).toContain(String(fox.byteLength));
    expect(issue.message).toContain('300000');
  });

  it('rejects trailing bytes after the declared length', async () => {
    const longer = new Uint8Array(fox.byteLength + 16);
    longer.set(fox);
    await expectContainerError(longer, 'GLB_LENGTH_MISMATCH');
  });

  it('rejects a header with no chunks', async () => {
    const header = fox.slice(0, 12);
    new DataView(header.buffer).setUint32(8, 12, true);
    await expectContainerError(header, 'GLB_JSON_CHUNK_MISSING');
  });

  it('rejects a JSON chunk longer than the file', async () => {
    const bytes = rawGlb({ asset: { version: '2.0' } });
    new DataView(bytes.buffer).setUint32(12, 4096, true);
    await expectContainerError(bytes, 'GLB_TRUNCATED');
  });

  it('rejects a valid header around a broken JSON chunk', async () => {
    const issue = await expectContainerError(
      rawGlb('{"asset":{"version":"2.0"},, garbage'),
      'GLB_JSON_INVALID',
    );
    expect(issue.message).toMatch(/not valid JSON/);
  });

  it('rejects a JSON chunk that is not UTF-8, or not an object', async () => {
    const latin1 = rawGlb('{"asset":{"version":"2.0"}}');
    latin1[22] = 0xff;
    await expectContainerError(latin1, 'GLB_JSON_INVALID');
    await expectContainerError(rawGlb('[1, 2, 3]'), 'GLB_JSON_INVALID');
  });

  it('refuses buffers and images that live outside the GLB', async () => {
    const glb = rawGlb({
      asset: { version: '2.0' },
      buffers: [{ uri: 'http://169.254.169.254/latest/meta-data', byteLength: 4 }],
    });
    const report = await validateGlb(glb);
    expect(report.valid).toBe(false);
    expect(report.errors).toEqual([
      expect.objectContaining({ code: 'GLB_EXTERNAL_RESOURCE', pointer: '/buffers/0' }),
    ]);
  });

  it('passes the Khronos errors through with their codes and pointers', async () => {
    const box = readFixture('Box');
    const json = jsonOf(box) as { accessors: Array<{ count: number }> };
    json.accessors[0]!.count = 10_000; // far past the end of its buffer view
    const report = await validateGlb(rawGlb(json, binOf(box)));
    expect(report.valid).toBe(false);
    expect(report.khronos).not.toBeNull();
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.errors.every((issue) => issue.source === 'khronos')).toBe(true);
    expect(report.errors.some((issue) => issue.pointer?.startsWith('/accessors/0'))).toBe(true);
  });

  it('bounds the number of listed Khronos issues but keeps the verdict', async () => {
    const box = readFixture('Box');
    const json = jsonOf(box) as { accessors: Array<{ count: number }> };
    for (const accessor of json.accessors) accessor.count = 10_000;
    const report = await validateGlb(rawGlb(json, binOf(box)), { maxIssues: 1 });
    expect(report.valid).toBe(false);
    expect(report.errors).toHaveLength(1);
    expect(report.khronos?.truncated).toBe(true);
  });

  // Regression: the validator counts only the messages it keeps, so one info message filling
  // maxIssues made this invalid file report numErrors 0, and validateGlb called it valid.
  it('finds errors hidden behind infos and warnings that filled maxIssues', async () => {
    const box = readFixture('Box');
    const json = jsonOf(box) as { extensionsUsed?: string[]; accessors: Array<{ count: number }> };
    json.extensionsUsed = ['VENDOR_unknown']; // an info, reported before any accessor error
    json.accessors[0]!.count = 10_000;
    const report = await validateGlb(rawGlb(json, binOf(box)), { maxIssues: 1 });
    expect(report.khronos?.truncated).toBe(true);
    expect(report.valid).toBe(false);
    expect(report.errors).toEqual([
      expect.objectContaining({ code: 'ACCESSOR_TOO_LONG', pointer: '/accessors/0' }),
    ]);
  });

  it('knows every non-error code of the installed validator', () => {
    const issuesMd = readFileSync(createRequire(import.meta.url).resolve('gltf-validator/ISSUES.md'), 'utf8');
    const rows = [...issuesMd.matchAll(/^\|([A-Z0-9_]+)\|.*\|(Error|Warning|Information|Hint)\|$/gm)];
    expect(rows.length).toBeGreaterThan(150);
    const nonErrors = rows.filter((row) => row[2] !== 'Error').map((row) => row[1]);
    expect([...KHRONOS_NON_ERROR_CODES].sort()).toEqual(nonErrors.sort());
  });

  it('survives every truncation and many corruptions of a real file', async () => {
    const box = readFixture('Box');
    for (let length = 0; length < box.byteLength; length += 7) {
      const report = await validateGlb(box.slice(0, length));
      expect(report.valid).toBe(false);
    }
    for (let seed = 1; seed <= 40; seed++) {
      const bytes = box.slice();
      const flips = noise(8, seed);
      for (let i = 0; i < flips.length; i += 2) bytes[(flips[i]! * 7) % bytes.length] = flips[i + 1]!;
      const report = await validateGlb(bytes);
      expect(typeof report.valid).toBe('boolean');
    }
  });

  it('reads input that does not start on a 4-byte boundary', async () => {
    const box = readFixture('Box');
    const backing = new Uint8Array(box.byteLength + 1);
    backing.set(box, 1);
    const report = await validateGlb(backing.subarray(1));
    expect(report.valid).toBe(true);
  });
});

describe('validateGlb given the container the sniff read', () => {
  // The upload pipeline parses the JSON chunk once and hands the container on: the report must not change.
  const fixtures: FixtureName[] = ['Box', 'CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'];

  it.each(fixtures)('reports on %s exactly what it reports from the bytes alone', async (name) => {
    const bytes = readFixture(name);
    const sniffed = sniffAsset(bytes);
    if (!sniffed.ok || !sniffed.container) throw new Error(`${name} did not sniff as a GLB`);
    for (const options of [{}, { maxTriangles: 10, maxNodes: 1, maxTextureDimension: 16 }]) {
      expect(await validateGlb(bytes, options, sniffed.container)).toStrictEqual(
        await validateGlb(bytes, options),
      );
    }
  });

  it('still refuses an oversized file before anything else, and an external resource', async () => {
    const glb = rawGlb({ asset: { version: '2.0' }, images: [{ uri: 'texture.png' }] });
    const container = { json: jsonOf(glb), bin: null };
    expect(await validateGlb(glb, { maxBytes: 10 }, container)).toStrictEqual(
      await validateGlb(glb, { maxBytes: 10 }),
    );
    expect(await validateGlb(glb, {}, container)).toStrictEqual(await validateGlb(glb));
  });
});

describe('validateGlb limits', () => {
  it('has a default for every limit code', () => {
    expect(Object.keys(VALIDATE_GLB_DEFAULTS)).toHaveLength(limitIssueCodes.length + 1); // + maxIssues
    expect(VALIDATE_GLB_DEFAULTS.maxBytes).toBe(64 * 1024 * 1024);
    expect(containerIssueCodes).toContain('GLB_JSON_INVALID');
  });

  it('rejects a GLB over a small triangle limit without running the validator', async () => {
    const glb = await buildGlb({ primitives: [{ mode: PrimitiveMode.TRIANGLES, vertices: 33 }] });
    const over = await validateGlb(glb, { maxTriangles: 10 });
    expect(over.valid).toBe(false);
    expect(over.errors).toEqual([
      { source: 'limit', code: 'LIMIT_TRIANGLES', message: 'Too many triangles: 11, the limit is 10.' },
    ]);
    expect(over.stats?.triangles).toBe(11);
    expect(over.khronos).toBeNull();

    const at = await validateGlb(glb, { maxTriangles: 11 });
    expect(at.valid).toBe(true);
    expect(at.khronos).not.toBeNull();
  });

  it('counts strips and fans against the triangle limit, and not points or lines', async () => {
    const glb = await buildGlb({
      primitives: [
        { mode: PrimitiveMode.TRIANGLE_STRIP, vertices: 5 },
        { mode: PrimitiveMode.TRIANGLE_FAN, vertices: 6 },
        { mode: PrimitiveMode.POINTS, vertices: 9 },
        { mode: PrimitiveMode.LINES, vertices: 8 },
      ],
    });
    const report = await validateGlb(glb);
    expect(report.stats).toMatchObject({ triangles: 3 + 4, vertices: 5 + 6 + 9 + 8 });
  });

  it('points at the skin with too many joints', async () => {
    const report = await validateGlb(readFixture('Fox'), { maxJoints: 22 });
    expect(report.errors).toEqual([
      expect.objectContaining({
        code: 'LIMIT_JOINTS',
        pointer: '/skins/0',
        message: expect.stringContaining('23'),
      }),
    ]);
  });

  it('points at the image that is too large', async () => {
    const report = await validateGlb(readFixture('CesiumMan'), { maxTextureDimension: 512 });
    expect(report.errors).toEqual([
      expect.objectContaining({ code: 'LIMIT_TEXTURE_DIMENSION', pointer: '/images/0' }),
    ]);
  });

  it('reports every exceeded limit at once', async () => {
    const report = await validateGlb(readFixture('RobotExpressive'), {
      maxAnimations: 10,
      maxSkins: 2,
      maxMorphTargets: 2,
      maxMeshes: 10,
    });
    expect(report.errors.map((issue) => issue.code)).toEqual([
      'LIMIT_MESHES',
      'LIMIT_SKINS',
      'LIMIT_ANIMATIONS',
      'LIMIT_MORPH_TARGETS',
    ]);
    expect(report.errors.find((issue) => issue.code === 'LIMIT_MORPH_TARGETS')?.pointer).toMatch(
      /^\/meshes\/\d+\/primitives\/\d+$/,
    );
  });

  it('keeps the default for an option passed as undefined', async () => {
    const report = await validateGlb(readFixture('Fox'), { maxJoints: undefined, maxTriangles: 100 });
    expect(report.errors.map((issue) => issue.code)).toEqual(['LIMIT_TRIANGLES']);
  });

  it('checks the byte size before reading anything', async () => {
    const report = await validateGlb(noise(2048), { maxBytes: 1024 });
    expect(report.errors).toEqual([expect.objectContaining({ source: 'limit', code: 'LIMIT_BYTES' })]);
    expect(report.stats).toBeNull();
  });

  it('counts morph targets and joints in built assets', async () => {
    const report = await validateGlb(await buildGlb({ joints: 5, morphTargets: 4 }), {
      maxJoints: 4,
      maxMorphTargets: 3,
    });
    expect(report.errors.map((issue) => issue.code)).toEqual(['LIMIT_JOINTS', 'LIMIT_MORPH_TARGETS']);
  });
});

describe('image limits, from the headers, before anything decodes an image', () => {
  /** Box with one more image (and a texture using it) appended to its binary chunk. */
  function boxWithImage(image: Uint8Array, mimeType: string): Uint8Array {
    const box = readFixture('Box');
    // biome-ignore lint/suspicious/noExplicitAny: the test edits arbitrary glTF JSON
    const json = jsonOf(box) as any;
    const bin = binOf(box);
    const offset = Math.ceil(bin.length / 4) * 4;
    const joined = new Uint8Array(offset + image.length);
    joined.set(bin);
    joined.set(image, offset);
    json.buffers[0].byteLength = joined.length;
    json.bufferViews.push({ buffer: 0, byteOffset: offset, byteLength: image.length });
    json.images = [{ bufferView: json.bufferViews.length - 1, mimeType }];
    json.textures = [{ source: 0 }];
    return rawGlb(json, joined);
  }

  /** A PNG signature and IHDR declaring `width` x `height`; no decoder gets further than that here. */
  function pngHeader(width: number, height: number): Uint8Array {
    const out = new Uint8Array(33);
    out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const view = new DataView(out.buffer);
    view.setUint32(16, width);
    view.setUint32(20, height);
    out.set([8, 6, 0, 0, 0], 24);
    return out;
  }

  it('refuses an image whose header claims 20000 x 20000 pixels, naming it and its size', async () => {
    const report = await validateGlb(boxWithImage(pngHeader(20_000, 20_000), 'image/png'));
    expect(report.valid).toBe(false);
    expect(report.khronos).toBeNull(); // refused before the validator (let alone a decoder) ran
    expect(report.errors).toContainEqual({
      source: 'limit',
      code: 'LIMIT_IMAGE_PIXELS',
      message: 'Image 0 is too large: 20000 x 20000 = 400000000 pixels, the limit is 16777216.',
      pointer: '/images/0',
    });
    expect(limitIssueCodes).toContain('LIMIT_IMAGE_PIXELS');
  });

  it('counts pixels, not only the longest side', async () => {
    const wide = boxWithImage(pngHeader(8192, 4096), 'image/png');
    const report = await validateGlb(wide, { maxTextureDimension: 8192 });
    expect(report.errors.map((issue) => issue.code)).toEqual(['LIMIT_IMAGE_PIXELS']);
    const square = await validateGlb(boxWithImage(pngHeader(4096, 4096), 'image/png'), {
      maxTextureDimension: 8192,
    });
    expect(square.errors.map((issue) => issue.code)).not.toContain('LIMIT_IMAGE_PIXELS');
    expect(
      (await validateGlb(wide, { maxTextureDimension: 8192, maxImagePixels: 8192 * 4096 })).errors,
    ).not.toContainEqual(expect.objectContaining({ code: 'LIMIT_IMAGE_PIXELS' }));
  });

  it('reads the size the bytes give, not the declared type', async () => {
    const report = await validateGlb(boxWithImage(pngHeader(20_000, 20_000), 'image/jpeg'));
    expect(report.errors).toContainEqual(expect.objectContaining({ code: 'LIMIT_IMAGE_PIXELS' }));
  });

  it('refuses an image whose size no header reader here understands, while the limit is on', async () => {
    // An arithmetic-coded JPEG (SOF10): libjpeg-turbo decodes those, glTF-Transform's header reader does not.
    const jpeg = new Uint8Array([
      0xff, 0xd8, 0xff, 0xca, 0x00, 0x11, 0x08, 0x4e, 0x20, 0x4e, 0x20, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11,
      0x01, 0x03, 0x11, 0x01, 0xff, 0xd9,
    ]);
    const report = await validateGlb(boxWithImage(jpeg, 'image/jpeg'));
    expect(report.errors).toContainEqual(
      expect.objectContaining({
        code: 'LIMIT_IMAGE_PIXELS',
        pointer: '/images/0',
        message: expect.stringContaining('cannot be read from its header'),
      }),
    );
    const unlimited = await validateGlb(boxWithImage(jpeg, 'image/jpeg'), { maxImagePixels: Infinity });
    expect(unlimited.errors).not.toContainEqual(expect.objectContaining({ code: 'LIMIT_IMAGE_PIXELS' }));
  });

  it('accepts the real textures of the fixtures', async () => {
    for (const name of ['CesiumMan', 'chr_knight'] as const) {
      expect((await validateGlb(readFixture(name))).errors).toEqual([]);
    }
  });
});
