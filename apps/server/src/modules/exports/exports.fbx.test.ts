import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { api, seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { waitForExport } from './exports.test-support.ts';

const run = promisify(execFile);

let app: TestApp;
let call: ReturnType<typeof api>;
const dir = mkdtempSync(join(tmpdir(), 'fbx-export-'));

/** RobotExpressive with Box hair at its head, the knight as a top and a Box hat: 3237 + 12 + 1460 + 12. */
const FULL_TRIANGLES = 4_721;

beforeAll(async () => {
  app = await startTestApp({ EXPORT_RATE_LIMIT: '100' }, { workers: true });
  call = api(app, (await app.userWithToken('player')).token);
  const robot = await seedFixtureAsset(app, 'RobotExpressive', {
    asset_type: 'base_model',
    category: 'robot',
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
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function download(url: string): Promise<{ bytes: Uint8Array; type: string | null }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { bytes: new Uint8Array(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

/**
 * `assimp info -r` (Debian's assimp-utils) on the downloaded file. Raw: without it Assimp's post-processing
 * keeps one of two identical meshes (the hair and the hat are both the Box) and counts its faces once.
 */
async function assimpInfo(bytes: Uint8Array, name: string): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const { stdout } = await run('assimp', ['info', file, '-r'], { maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

const count = (text: string, label: string) =>
  Number(new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(text)?.[1]);

describe('FBX export through the export API', () => {
  it('answers a binary FBX that assimp reads with every triangle, the robot’s bones and the knight’s texture', async () => {
    const res = await call('POST', '/api/v1/avatar/export', { format: 'fbx', quality: 'high' });
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ format: 'fbx', quality: 'high', status: 'completed', error: null });
    const { bytes, type } = await download(body.downloadUrl);
    expect(type).toMatch(/^application\/octet-stream/);
    expect(bytes.byteLength).toBe(body.bytes);
    expect(new TextDecoder().decode(bytes.subarray(0, 18))).toBe('Kaydara FBX Binary');

    const info = await assimpInfo(bytes, 'sync.fbx');
    expect(count(info, 'Faces')).toBe(FULL_TRIANGLES);
    expect(count(info, 'Bones')).toBeGreaterThan(0);
    // The robot's skinned hands keep their bones.
    const skinned = [...info.matchAll(/^\s+\d+ \((Hand[LR]_\d)\): \[\d+ \/ (\d+) \//gm)];
    expect(skinned.length).toBeGreaterThan(0);
    for (const [, , bones] of skinned) expect(Number(bones)).toBeGreaterThan(0);
    expect(count(info, 'Textures \\(embed\\.\\)')).toBe(1);

    const row = await app.database.db
      .selectFrom('exports')
      .select(['format', 'storage_key'])
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row.storage_key).toMatch(new RegExp(`/${body.id}\\.fbx$`));
  });

  it('makes a low-quality FBX in the background with the reduced triangle count', async () => {
    const queued = await json(
      await call('POST', '/api/v1/avatar/export', { format: 'fbx', quality: 'low', async: true }),
    );
    const done = await waitForExport(call, queued.id, ['completed', 'failed']);
    expect(done).toMatchObject({ format: 'fbx', status: 'completed' });
    const { bytes } = await download(done.downloadUrl);
    const faces = count(await assimpInfo(bytes, 'low.fbx'), 'Faces');
    expect(faces).toBeGreaterThanOrEqual(1_000);
    expect(faces).toBeLessThan(FULL_TRIANGLES);
  });

  it('lists FBX as available with its extension', async () => {
    const body = await json(await fetch(`${app.baseUrl}/api/v1/avatar/export/formats`));
    const fbx = body.formats.find((f: { format: string }) => f.format === 'fbx');
    expect(fbx).toMatchObject({ available: true, extension: 'fbx' });
  });
});
