import { request } from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import {
  fixture,
  freshKey,
  pngHeader,
  postUpload,
  rawGlb,
  snapshot,
  splitGlb,
  uploadForm,
} from './uploads.test-support.ts';

let app: TestApp;
let admin: { token: string; id: string };
let player: { token: string };

const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

beforeAll(async () => {
  app = await startTestApp({
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    UPLOAD_MAX_DATA_URI_BYTES: '4096',
  });
  admin = await app.userWithToken('admin');
  player = await app.userWithToken('player');
});
afterAll(() => app?.close());

const box = () => new Uint8Array(fixture('Box.glb'));

describe('POST /resources/upload', () => {
  it('stores a GLB, answers the catalog entry with its inspect report, and queues processing', async () => {
    const key = freshKey('creatures');
    const res = await postUpload(
      app,
      admin.token,
      uploadForm(fixture('Fox.glb'), { type: 'base_model', category: 'creature', name: 'Fox', key }),
    );
    expect(res.status).toBe(201);
    const asset = await json(res);
    expect(asset).toMatchObject({
      id: expect.any(String),
      key,
      name: 'Fox',
      version: '1.0.0',
      status: 'processing',
      tags: ['red', 'long'],
      fileSize: fixture('Fox.glb').byteLength,
      thumbnailUrl: null,
      validation: { sourceFormat: 'glb', validatorVersion: '2.0.0-dev.3.10' },
    });
    expect(asset.metadata.skins[0].jointCount).toBe(23);
    expect(asset.metadata.animations).toHaveLength(1);
    const stored = `assets/base_model/creature/1.0.0/${asset.id}.glb`;
    expect(await app.storage.head(stored)).toMatchObject({
      size: fixture('Fox.glb').byteLength,
      sha256: asset.sha256,
    });
    const jobs = await sql<{
      data: { assetId: string };
    }>`select data from pgboss.job where name = 'asset.process'`.execute(app.database.db);
    expect(jobs.rows.map((r) => r.data.assetId)).toContain(asset.id);
    expect((await snapshot(app)).pending).toEqual([]);
    // The admin follows progress through the catalog API.
    const byId = await fetch(`${app.baseUrl}/resources/catalog/${asset.id}`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(await json(byId)).toMatchObject({ status: 'processing', statusReason: expect.any(String) });
  });

  it('refuses the same bytes again with 409 naming the existing asset, storing nothing', async () => {
    const first = await json(await postUpload(app, admin.token, uploadForm(fixture('chr_knight.glb'))));
    const before = await snapshot(app);
    const res = await postUpload(app, admin.token, uploadForm(fixture('chr_knight.glb')));
    expect(res.status).toBe(409);
    const body = await json(res);
    expect(body).toMatchObject({
      code: 'CONFLICT',
      reason: 'DUPLICATE_ASSET',
      details: { existingId: first.id },
    });
    expect(body.message).toContain(first.key);
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses a version that is not newer than the latest with 409, before storing anything', async () => {
    const key = freshKey();
    const form = (file: Uint8Array, version: string) => uploadForm(file, { key, version });
    expect((await postUpload(app, admin.token, form(fixture('CesiumMan.glb'), '2.0.0'))).status).toBe(201);
    const before = await snapshot(app);
    const res = await postUpload(app, admin.token, form(fixture('RobotExpressive.glb'), '1.5.0'));
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ reason: 'VERSION_CONFLICT' });
    expect(await snapshot(app)).toEqual(before);
  });

  it('accepts a self-contained .gltf and stores it as GLB', async () => {
    const { json: gltf, bin } = splitGlb(box());
    gltf.buffers[0].uri = `data:application/octet-stream;base64,${Buffer.from(bin).toString('base64')}`;
    const res = await postUpload(
      app,
      admin.token,
      uploadForm(new TextEncoder().encode(JSON.stringify(gltf)), {}, 'box.gltf'),
    );
    expect(res.status).toBe(201);
    const asset = await json(res);
    expect(asset.validation.sourceFormat).toBe('gltf');
    expect(asset.metadata.geometry.triangles).toBe(12);
    const stored = await app.storage.get(`assets/hair/short/1.0.0/${asset.id}.glb`);
    const head = await new Promise<Buffer>((resolve) => stored.stream.once('data', resolve));
    stored.stream.destroy();
    expect(head.subarray(0, 4).toString()).toBe('glTF');
  });

  it('validates the form fields (400) and the category for the type', async () => {
    for (const [fields, pattern] of [
      [{ category: 'creature' }, /not allowed for type "hair"/],
      [{ key: 'Not A Key' }, /key/],
      [{ version: '1.0' }, /version/i],
      [{ type: 'spaceship' }, /type/],
    ] as const) {
      const res = await postUpload(app, admin.token, uploadForm(box(), fields));
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect((await json(res)).message).toMatch(pattern);
    }
  });

  it('is for admins: 401 without a session, 403 for players and for cookies without the CSRF header', async () => {
    const anonymous = await fetch(`${app.baseUrl}/resources/upload`, {
      method: 'POST',
      body: uploadForm(box()),
    });
    expect(anonymous.status).toBe(401);
    expect((await postUpload(app, player.token, uploadForm(box()))).status).toBe(403);
    const cookie = await fetch(`${app.baseUrl}/resources/upload`, {
      method: 'POST',
      headers: { cookie: `session=${admin.token}` },
      body: uploadForm(box()),
    });
    expect(cookie.status).toBe(403);
    expect(await json(cookie)).toMatchObject({ reason: 'CSRF_FAILED' });
  });

  it('answers 415 to a body that is not multipart', async () => {
    const res = await fetch(`${app.baseUrl}/resources/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/octet-stream' },
      body: box(),
    });
    expect(res.status).toBe(415);
  });
});

/** A small valid GLB's JSON and binary, for tests that break one thing in it. */
const boxParts = () => splitGlb(box());

const badFiles: Array<[string, () => Uint8Array, string]> = [
  ['zero bytes', () => new Uint8Array(0), 'GLB_EMPTY'],
  [
    'text with a .glb name',
    () => new TextEncoder().encode('definitely not a model, just some text'),
    'GLB_BAD_MAGIC',
  ],
  [
    'a wrong magic number',
    () => {
      const bytes = box();
      bytes[0] = 0x47;
      return bytes;
    },
    'GLB_BAD_MAGIC',
  ],
  [
    'a JSON chunk length that lies',
    () => {
      const bytes = box();
      new DataView(bytes.buffer).setUint32(12, 1_000_000, true);
      return bytes;
    },
    'GLB_TRUNCATED',
  ],
  [
    'a header length that lies',
    () => {
      const bytes = box();
      new DataView(bytes.buffer).setUint32(8, bytes.length - 8, true);
      return bytes;
    },
    'GLB_LENGTH_MISMATCH',
  ],
  ['a truncated file', () => new Uint8Array(fixture('Fox.glb').subarray(0, 100_000)), 'GLB_TRUNCATED'],
  ['a JSON chunk that is not JSON', () => rawGlb('{"asset": {"version": "2.0"'), 'GLB_JSON_INVALID'],
  [
    'a buffer view longer than its buffer',
    () => {
      const { json: gltf, bin } = boxParts();
      gltf.bufferViews[0].byteLength = bin.length * 10;
      return rawGlb(gltf, bin);
    },
    'BUFFER_VIEW_TOO_LONG',
  ],
  [
    'an accessor claiming more bytes than its buffer view',
    () => {
      const { json: gltf, bin } = boxParts();
      gltf.accessors[gltf.meshes[0].primitives[0].indices].count = 100_000;
      return rawGlb(gltf, bin);
    },
    'ACCESSOR_TOO_LONG',
  ],
  [
    'an accessor count of 2^31',
    () => {
      const { json: gltf, bin } = boxParts();
      gltf.accessors[gltf.meshes[0].primitives[0].attributes.POSITION].count = 2 ** 31;
      return rawGlb(gltf, bin);
    },
    'LIMIT_VERTICES',
  ],
  [
    'a texture declaring 65536x65536',
    () => {
      const png = pngHeader(65_536, 65_536);
      return rawGlb(
        {
          asset: { version: '2.0' },
          buffers: [{ byteLength: png.length }],
          bufferViews: [{ buffer: 0, byteLength: png.length }],
          images: [{ bufferView: 0, mimeType: 'image/png' }],
          textures: [{ source: 0 }],
        },
        png,
      );
    },
    'LIMIT_TEXTURE_DIMENSION',
  ],
  ...[
    'https://example.com/model.bin',
    'http://169.254.169.254/latest',
    'file:///etc/passwd',
    '../secret.bin',
  ].map((uri): [string, () => Uint8Array, string] => [
    `an external URI (${uri.split(':')[0]})`,
    () => {
      const { json: gltf, bin } = boxParts();
      gltf.images = [{ uri }];
      return rawGlb(gltf, bin);
    },
    'GLB_EXTERNAL_RESOURCE',
  ]),
  [
    'a data: URI beyond the size limit',
    () => {
      const { json: gltf, bin } = boxParts();
      gltf.images = [{ uri: `data:image/png;base64,${Buffer.alloc(6000).toString('base64')}` }];
      return rawGlb(gltf, bin);
    },
    'LIMIT_DATA_URI_BYTES',
  ],
];

describe('bad files: 4xx with a stable code and a readable reason, nothing stored, server still serving', () => {
  it.each(badFiles)('refuses %s', async (_, make, issueCode) => {
    const before = await snapshot(app);
    const res = await postUpload(app, admin.token, uploadForm(make()));
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body).toMatchObject({
      code: 'UNPROCESSABLE_CONTENT',
      reason: 'INVALID_ASSET',
      requestId: expect.any(String),
    });
    expect(body.details.errors[0].code).toBe(issueCode);
    expect(body.message).toContain(issueCode); // the validator's first errors, readable in the message
    expect(body.message.length).toBeLessThan(2000);
    expect(await snapshot(app)).toEqual(before);
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
  });
});

describe('bad requests', () => {
  it('refuses a file name that climbs directories', async () => {
    const before = await snapshot(app);
    const res = await postUpload(app, admin.token, uploadForm(box(), {}, '../../etc/model.glb'));
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({
      reason: 'VALIDATION_FAILED',
      message: expect.stringContaining('..'),
    });
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses two files in one form', async () => {
    const before = await snapshot(app);
    const form = uploadForm(box());
    form.append('file', new Blob([fixture('chr_knight.glb')]), 'second.glb');
    const res = await postUpload(app, admin.token, form);
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/one file/);
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses unknown and repeated fields, and a form without a file', async () => {
    const unknown = uploadForm(box());
    unknown.append('storageKey', 'assets/elsewhere.glb');
    expect((await postUpload(app, admin.token, unknown)).status).toBe(400);
    const repeated = uploadForm(null);
    repeated.append('name', 'again');
    expect((await postUpload(app, admin.token, repeated)).status).toBe(400);
    const res = await postUpload(app, admin.token, uploadForm(null));
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/No file/);
  });

  it('answers 413 to a declared body over the limit without reading it', async () => {
    const before = await snapshot(app);
    const { status, written } = await streamUpload({
      declaredLength: MAX_UPLOAD_BYTES * 4,
      bytes: MAX_UPLOAD_BYTES * 4,
    });
    expect(status).toBe(413);
    expect(written).toBeLessThan(MAX_UPLOAD_BYTES * 4);
    expect(await snapshot(app)).toEqual(before);
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
  });

  it('answers 413 to a streamed body that grows past the limit, and stops reading it', async () => {
    const before = await snapshot(app);
    const target = 256 * 1024 * 1024;
    const { status, written } = await streamUpload({ bytes: target });
    expect(status).toBe(413);
    // The server hung up: the client could push its socket buffers' worth past the limit, not the rest.
    expect(written).toBeLessThan(MAX_UPLOAD_BYTES + 32 * 1024 * 1024);
    expect(await snapshot(app)).toEqual(before);
    const next = await postUpload(app, admin.token, uploadForm(fixture('RobotExpressive.glb')));
    expect(next.status).toBe(201);
  });
});

/** A multipart upload streamed by hand (chunked unless a length is declared), counting what got written. */
function streamUpload(options: {
  bytes: number;
  declaredLength?: number;
}): Promise<{ status: number; written: number }> {
  const boundary = 'test-boundary-7MA4YWxkTrZu0gW';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.glb"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  return new Promise((resolve) => {
    let status = 0;
    let written = 0;
    let finished = false;
    const req = request(`${app.baseUrl}/resources/upload`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        ...(options.declaredLength ? { 'content-length': String(options.declaredLength) } : {}),
      },
    });
    const done = () => {
      if (finished) return;
      finished = true;
      resolve({ status, written });
    };
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => setTimeout(done, 50));
    });
    req.on('error', () => setTimeout(done, 50));
    req.on('close', () => setTimeout(done, 200));
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = () => {
      if (written === 0) {
        req.write(head);
      }
      while (!req.destroyed && written < options.bytes) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}
