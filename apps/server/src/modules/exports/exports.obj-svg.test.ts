import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { inspectAsset, SVG_POLYGON_BUDGETS } from '@avatar/asset-core';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { FIXTURES } from '../../../test/helpers/catalog.ts';
import { json } from '../../../test/helpers/http.ts';
import { api, seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { waitForExport } from './exports.test-support.ts';

const run = promisify(execFile);

let app: TestApp;
let call: ReturnType<typeof api>;

/** RobotExpressive with Box hair at its head, the knight as a top and a Box hat: 3237 + 12 + 1460 + 12. */
const FULL_TRIANGLES = 4_721;

beforeAll(async () => {
  app = await startTestApp({ EXPORT_RATE_LIMIT: '100' }, { workers: true });
  call = api(app, (await app.userWithToken('player')).token);
  // With its real inspect report, as the upload pipeline stores it: it lists the robot's animations.
  const metadata = await inspectAsset(new Uint8Array(readFileSync(new URL('RobotExpressive.glb', FIXTURES))));
  const robot = await seedFixtureAsset(app, 'RobotExpressive', {
    asset_type: 'base_model',
    category: 'robot',
    metadata: JSON.stringify(metadata),
  });
  const hair = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
  const top = await seedFixtureAsset(app, 'chr_knight', { asset_type: 'top', category: 'fantasy' });
  const hat = await seedFixtureAsset(app, 'Box', { asset_type: 'accessory', category: 'headwear' });
  const res = await call('PUT', '/api/v1/character/config', {
    modelAssetId: robot.id,
    parts: { hair: hair.id, top: top.id, accessories: [hat.id] },
    colors: { Main: '#3366ff' },
  });
  expect(res.status).toBe(200);
});
afterAll(() => app?.close());

async function download(url: string): Promise<{ bytes: Uint8Array; type: string | null }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { bytes: new Uint8Array(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

describe('OBJ and SVG exports through the export API', () => {
  it('exports an OBJ zip that assimp reads with every triangle of the avatar', async () => {
    const res = await call('POST', '/api/v1/avatar/export', { format: 'obj', quality: 'medium' });
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ format: 'obj', status: 'completed', error: null });
    const { bytes, type } = await download(body.downloadUrl);
    expect(type).toMatch(/^application\/zip/);
    expect(bytes.byteLength).toBe(body.bytes);

    const dir = mkdtempSync(join(tmpdir(), 'obj-export-'));
    try {
      const files = unzipSync(bytes);
      for (const [path, data] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), data);
      }
      expect(Object.keys(files)).toEqual(expect.arrayContaining(['avatar.obj', 'avatar.mtl']));
      // The knight's texture travels beside the MTL.
      expect(Object.keys(files).some((f) => f.startsWith('textures/'))).toBe(true);
      const { stdout } = await run('assimp', ['info', join(dir, 'avatar.obj'), '-r'], {
        maxBuffer: 32 * 1024 * 1024,
      });
      expect(Number(/^Faces:\s+(\d+)/m.exec(stdout)?.[1])).toBe(FULL_TRIANGLES);
      // One group per mesh: the robot's 19, the knight and two boxes.
      const obj = new TextDecoder().decode(files['avatar.obj']);
      expect(obj.match(/^o /gm)).toHaveLength(19 + 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports an SVG in the background: vector polygons within the quality budget, no bitmap', async () => {
    const res = await call('POST', '/api/v1/avatar/export', { format: 'svg', quality: 'low', async: true });
    const queued = await json(res);
    expect(res.status, JSON.stringify(queued)).toBe(200);
    const done = await waitForExport(call, queued.id, ['completed', 'failed']);
    expect(done).toMatchObject({ format: 'svg', status: 'completed' });
    const { bytes, type } = await download(done.downloadUrl);
    expect(type).toMatch(/^image\/svg\+xml/);
    const svg = new TextDecoder().decode(bytes);
    expect(XMLValidator.validate(svg)).toBe(true);
    const root = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(svg).svg;
    expect(root.image).toBeUndefined();
    const polygons = root.g.polygon as unknown[];
    expect(polygons.length).toBeGreaterThan(100);
    expect(polygons.length).toBeLessThanOrEqual(SVG_POLYGON_BUDGETS.low);
    expect(String(root.viewBox).split(' ').map(Number)).toEqual([
      0,
      0,
      Number(root.width),
      Number(root.height),
    ]);
  });

  it('writes the pose asked for, and keeps camera and background through the queue', async () => {
    const bind = await json(await call('POST', '/api/v1/avatar/export', { format: 'obj', quality: 'low' }));
    const posed = await json(
      await call('POST', '/api/v1/avatar/export', {
        format: 'obj',
        quality: 'low',
        pose: { animation: 'Dance', time: 0.5 },
      }),
    );
    expect(posed).toMatchObject({ status: 'completed' });
    const objOf = async (url: string) =>
      new TextDecoder().decode(unzipSync((await download(url)).bytes)['avatar.obj']);
    const [bindObj, posedObj] = await Promise.all([objOf(bind.downloadUrl), objOf(posed.downloadUrl)]);
    expect(posedObj.match(/^f /gm)?.length).toBe(bindObj.match(/^f /gm)?.length);
    expect(posedObj).not.toBe(bindObj);

    const queued = await json(
      await call('POST', '/api/v1/avatar/export', {
        format: 'svg',
        quality: 'low',
        async: true,
        camera: { preset: 'portrait' },
        background: '#112233',
      }),
    );
    const done = await waitForExport(call, queued.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const svg = new TextDecoder().decode((await download(done.downloadUrl)).bytes);
    expect(svg).toMatch(/<rect [^>]*fill="#112233"/);
    const row = await app.database.db
      .selectFrom('exports')
      .select('options')
      .where('id', '=', queued.id)
      .executeTakeFirstOrThrow();
    expect(row.options).toEqual({ camera: { preset: 'portrait' }, background: '#112233' });
  });

  it('refuses an animation the avatar does not have with 422 naming the ones it has, counting nothing', async () => {
    const count = async () =>
      Number(
        (
          await app.database.db
            .selectFrom('exports')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    for (const body of [
      { format: 'obj', pose: { animation: 'Moonwalk' } },
      { format: 'svg', async: true, pose: { animation: 'Moonwalk', time: 1 } },
    ]) {
      const res = await call('POST', '/api/v1/avatar/export', body);
      expect(res.status).toBe(422);
      const error = await json(res);
      expect(error.reason).toBe('VALIDATION_FAILED');
      expect(error.message).toMatch(/no animation named "Moonwalk". Choose one of: .*Dance/);
      expect(JSON.stringify(error)).not.toMatch(/stack|at .*\.ts:/);
    }
    expect(await count()).toBe(before);
  });

  it('refuses a malformed pose or camera with 400 naming the field', async () => {
    for (const [body, field] of [
      [{ format: 'obj', pose: { animation: '' } }, 'pose'],
      [{ format: 'svg', camera: { preset: 'fisheye' } }, 'camera'],
      [{ format: 'svg', background: 'red' }, 'background'],
    ] as const) {
      const res = await call('POST', '/api/v1/avatar/export', body);
      expect(res.status).toBe(400);
      expect((await json(res)).issues[0].path[0]).toBe(field);
    }
  });

  it('lists OBJ and SVG as available, with their extensions and descriptions', async () => {
    const res = await fetch(`${app.baseUrl}/api/v1/avatar/export/formats`);
    const body = await json(res);
    const byFormat = Object.fromEntries(body.formats.map((f: { format: string }) => [f.format, f]));
    expect(byFormat.obj).toMatchObject({ available: true, extension: 'zip' });
    expect(byFormat.svg).toMatchObject({ available: true, extension: 'svg' });
    for (const format of ['glb', 'fbx', 'obj', 'png', 'jpg', 'svg']) {
      expect(byFormat[format].description.length).toBeGreaterThan(20);
    }
  });
});
