/// <reference path="./draco3dgltf.d.ts" />
import { deflateSync } from 'node:zlib';
import { Logger, NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { draco, meshopt } from '@gltf-transform/functions';
import draco3d from 'draco3dgltf';
import { MeshoptDecoder, MeshoptEncoder } from 'meshoptimizer';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { parseConfig } from '../../config/config.ts';
import { AppError } from '../../http/errors.ts';
import { prepareAsset } from './prepare-asset.ts';
import { uploadLimits } from './upload-limits.ts';
import { fixture, postUpload, rawGlb, snapshot, splitGlb, uploadForm } from './uploads.test-support.ts';
import { AssetThread, sharedValidatorThread, ThreadJobError } from './validator-thread.ts';

let app: TestApp;
let admin: { token: string };

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.userWithToken('admin');
});
afterAll(() => app?.close());

/** A complete PNG (signature, IHDR, one IDAT, IEND, with their CRCs) whose header claims `width` x `height`. */
function forgedPng(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    out.set(data, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))), // a sliver of the rows it claims: cheap to send
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Box with `png` embedded as a texture image. */
function boxWithTexture(png: Uint8Array): Uint8Array {
  const { json: gltf, bin } = splitGlb(new Uint8Array(fixture('Box.glb')));
  const offset = Math.ceil(bin.length / 4) * 4;
  const joined = new Uint8Array(offset + png.length);
  joined.set(bin);
  joined.set(png, offset);
  gltf.buffers[0].byteLength = joined.length;
  gltf.bufferViews.push({ buffer: 0, byteOffset: offset, byteLength: png.length });
  gltf.images = [{ bufferView: gltf.bufferViews.length - 1, mimeType: 'image/png' }];
  gltf.textures = [{ source: 0 }]; // not bound to the material: Box has no UVs
  return rawGlb(gltf, joined);
}

async function compressed(kind: 'draco' | 'meshopt'): Promise<Uint8Array> {
  await MeshoptEncoder.ready;
  await MeshoptDecoder.ready;
  const io = new NodeIO()
    .setLogger(new Logger(Logger.Verbosity.SILENT))
    .registerExtensions(ALL_EXTENSIONS)
    .registerDependencies({
      'draco3d.encoder': await draco3d.createEncoderModule(),
      'draco3d.decoder': await draco3d.createDecoderModule(),
      'meshopt.encoder': MeshoptEncoder,
      'meshopt.decoder': MeshoptDecoder,
    });
  const document = await io.readBinary(new Uint8Array(fixture('Fox.glb')));
  await document.transform(kind === 'draco' ? draco() : meshopt({ encoder: MeshoptEncoder }));
  return io.writeBinary(document);
}

/** The compressed payloads overwritten with a pattern no encoder writes; the JSON stays as it was. */
function corrupt(glb: Uint8Array): Uint8Array {
  const { json: gltf, bin } = splitGlb(glb);
  const views: Array<{ byteOffset?: number; byteLength: number }> = [];
  for (const mesh of gltf.meshes) {
    for (const primitive of mesh.primitives) {
      const ext = primitive.extensions?.KHR_draco_mesh_compression;
      if (ext) views.push(gltf.bufferViews[ext.bufferView]);
    }
  }
  for (const view of gltf.bufferViews) {
    const ext = view.extensions?.EXT_meshopt_compression;
    if (ext) views.push(ext);
  }
  expect(views.length).toBeGreaterThan(0);
  for (const view of views) {
    const start = view.byteOffset ?? 0;
    for (let i = 0; i < view.byteLength; i++) bin[start + i] = (i * 73 + 41) & 0xff;
  }
  return rawGlb(gltf, bin);
}

describe('images are checked from their headers before anything decodes them', () => {
  it('refuses a GLB whose embedded PNG claims 20000 x 20000 pixels: 422 naming the image, nothing stored', async () => {
    const before = await snapshot(app);
    const res = await postUpload(app, admin.token, uploadForm(boxWithTexture(forgedPng(20_000, 20_000))));
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', reason: 'INVALID_ASSET' });
    expect(body.details.errors).toContainEqual({
      source: 'limit',
      code: 'LIMIT_IMAGE_PIXELS',
      message: 'Image 0 is too large: 20000 x 20000 = 400000000 pixels, the limit is 16777216.',
      pointer: '/images/0',
    });
    expect(await snapshot(app)).toEqual(before);
  });

  it('takes the same file with a small real PNG', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 4, background: '#c33' } })
      .png()
      .toBuffer();
    const res = await postUpload(app, admin.token, uploadForm(boxWithTexture(png)));
    expect(res.status).toBe(201);
    expect((await json(res)).metadata.textures).toMatchObject([{ width: 4, height: 4 }]);
  });
});

describe('compressed geometry is decoded off the API thread', () => {
  it.each(['draco', 'meshopt'] as const)('accepts a %s-compressed upload', async (kind) => {
    const res = await postUpload(app, admin.token, uploadForm(await compressed(kind)));
    expect(res.status).toBe(201);
    // Draco drops the degenerate triangles; either way the geometry was decoded and counted.
    expect((await json(res)).metadata.geometry.triangles).toBeGreaterThan(2000);
  });

  it.each(['draco', 'meshopt'] as const)(
    'refuses a corrupt %s payload with a clean 422, stores nothing and keeps serving',
    async (kind) => {
      const before = await snapshot(app);
      const res = await postUpload(app, admin.token, uploadForm(corrupt(await compressed(kind))));
      expect(res.status).toBe(422);
      const body = await json(res);
      expect(body.reason).toBe('INVALID_ASSET');
      expect(body.message).not.toMatch(/at .*\.(ts|js):\d+/); // no stack
      expect(await snapshot(app)).toEqual(before);
      expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    },
  );
});

describe('a thread that dies or hangs fails only the job it held', () => {
  const limits = uploadLimits(
    parseConfig({ DATABASE_URL: 'postgres://unused', SESSION_SECRET: 'x'.repeat(32) }),
  );
  let thread: AssetThread;
  beforeAll(() => {
    thread = new AssetThread({
      testHooks: true,
      timeoutMs: 20_000,
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
  });
  afterAll(() => thread?.close());

  it.each([
    ['exits (as an aborting decoder does)', 'test-exit', 'crashed'],
    ['runs out of its heap', 'test-oom', 'out-of-memory'],
  ] as const)(
    'when it %s: that job rejects, the next one queued behind it succeeds',
    async (_, kind, reason) => {
      const fox = new Uint8Array(fixture('Fox.glb'));
      const [failed, next] = await Promise.allSettled([thread.run({ kind }), thread.inspect(fox)]);
      expect(failed).toMatchObject({ status: 'rejected', reason: { reason } });
      expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(ThreadJobError);
      expect(next).toMatchObject({ status: 'fulfilled', value: { geometry: { triangles: 3552 } } });
    },
  );

  it('when it hangs: the job times out and the thread is replaced', async () => {
    const quick = new AssetThread({ testHooks: true, timeoutMs: 1_000 });
    try {
      const box = new Uint8Array(fixture('Box.glb'));
      const [hung, next] = await Promise.allSettled([quick.run({ kind: 'test-hang' }), quick.inspect(box)]);
      expect(hung).toMatchObject({ status: 'rejected', reason: { reason: 'timeout' } });
      expect(next).toMatchObject({ status: 'fulfilled', value: { geometry: { triangles: 12 } } });
    } finally {
      await quick.close();
    }
  });

  it('an upload whose inspection thread died is refused with 422 INVALID_ASSET, not a 500', async () => {
    const error = await prepareAsset(new Uint8Array(fixture('Fox.glb')), {
      limits,
      validate: sharedValidatorThread().validate,
      inspect: async () => {
        await thread.run({ kind: 'test-exit' });
        throw new Error('unreachable');
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'UNPROCESSABLE_CONTENT',
      reason: 'INVALID_ASSET',
      details: { errors: [{ code: 'GLB_UNREADABLE' }] },
    });
  });
});
