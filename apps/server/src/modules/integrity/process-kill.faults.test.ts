import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { api, seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { cleanupOldExports } from '../exports/cleanup-old-exports.ts';
import { fixture, uploadForm } from '../uploads/uploads.test-support.ts';
import { spawnServer } from './fault-process.test-support.ts';
import { report } from './integrity.service.ts';
import { reapOrphansJob } from './reap-orphans.job.ts';

// A real server process is killed (SIGKILL, by pid) at the worst moment of an upload, a version creation
// and an export; a fresh process then serves the next request, and the reaper cleans up after its grace
// period (0 here: the test stands in for the hour passing). Afterwards the integrity report is clean.

let app: TestApp;
let admin: { token: string };
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  app = await startTestApp({ INTEGRITY_ORPHAN_GRACE_SECONDS: '0' });
  admin = await app.userWithToken('admin');
});
afterAll(() => app?.close());

const deps = () => ({ config: app.config, db: app.database.db, storage: app.storage, logger });
const reap = () =>
  reapOrphansJob(deps())({
    id: 'test',
    name: 'maintenance.reap-orphans',
    data: {},
    retryCount: 0,
    isLastAttempt: true,
  });
const objects = async (prefix: string) => (await app.storage.list(prefix)).items.map((i) => i.key).sort();
const rows = async () =>
  (await app.database.db.selectFrom('asset_catalog').select('storage_key').execute()).map(
    (r) => r.storage_key,
  );
/** The reaper's grace period passing for records of uploads in flight. */
const expirePending = () =>
  app.database.db
    .updateTable('pending_uploads')
    .set({ expires_at: new Date(Date.now() - 1_000) })
    .execute();

function uploadTo(base: string, file: string, fields: Record<string, string> = {}) {
  return fetch(`${base}/resources/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}` },
    body: uploadForm(fixture(file), fields),
  });
}

async function expectClean(verifyChecksums = true) {
  const result = await report(deps(), { verifyChecksums });
  expect(result.orphanObjects).toEqual([]);
  expect(result.missingObjects).toEqual([]);
  if (verifyChecksums) expect(result.checksumMismatches).toEqual([]);
}

describe('a server process killed mid-upload', () => {
  it('after the object is written, before its row: no row; the reaper removes the object; the next upload works', async () => {
    const before = await objects('assets/');
    const server = await spawnServer(app, 'asset-written');
    const request = uploadTo(server.url, 'Fox.glb').catch((error: Error) => error);
    await server.reachedFault();
    await server.kill();
    expect(await request).toBeInstanceOf(Error); // the connection died with the process
    const written = (await objects('assets/')).filter((k) => !before.includes(k));
    expect(written).toHaveLength(1); // whole in storage, and no row claims it
    expect(await rows()).not.toContain(written[0]);

    const restarted = await spawnServer(app);
    try {
      const next = await uploadTo(restarted.url, 'Box.glb');
      expect(next.status).toBe(201);
    } finally {
      await restarted.kill();
    }
    // Within the grace period the pending record keeps the object; after it, the reaper takes it.
    await reap();
    expect(await app.storage.head(written[0]!)).not.toBeNull();
    await expirePending();
    await reap();
    expect(await app.storage.head(written[0]!)).toBeNull();
    await expectClean();
  }, 150_000);

  it('in the middle of the write: no final object at all, and nothing to reap', async () => {
    const before = await objects('assets/');
    const server = await spawnServer(app, 'asset-mid-write');
    const request = uploadTo(server.url, 'CesiumMan.glb').catch((error: Error) => error);
    await server.reachedFault();
    await server.kill();
    await request;
    expect(await objects('assets/')).toEqual(before); // the half-written file never became an object
    await expirePending();
    await reap();
    expect(await app.database.db.selectFrom('pending_uploads').select('id').execute()).toEqual([]);
    await expectClean();
  }, 120_000);
});

describe('a server process killed mid-version-creation', () => {
  it('leaves a copy without a row, which the reaper removes; the source version is untouched', async () => {
    const first = await json(await uploadTo(app.baseUrl, 'RobotExpressive.glb', { key: 'kill/robot' }));
    expect(first.id).toEqual(expect.any(String));
    const before = await objects('assets/');
    const server = await spawnServer(app, 'version-copied');
    const request = fetch(`${server.url}/resources/catalog/${first.id}/version`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ bump: 'minor' }),
    }).catch((error: Error) => error);
    await server.reachedFault();
    await server.kill();
    await request;
    const copied = (await objects('assets/')).filter((k) => !before.includes(k));
    expect(copied).toHaveLength(1);
    expect(await rows()).not.toContain(copied[0]);

    await reap();
    expect(await app.storage.head(copied[0]!)).toBeNull();
    const versions = await app.database.db
      .selectFrom('asset_catalog')
      .select(['version', 'storage_key'])
      .where('key', '=', 'kill/robot')
      .execute();
    expect(versions).toHaveLength(1);
    expect(await app.storage.head(versions[0]!.storage_key)).not.toBeNull();

    // The next attempt, on a fresh process, creates the version.
    const restarted = await spawnServer(app);
    try {
      const res = await fetch(`${restarted.url}/resources/catalog/${first.id}/version`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ bump: 'minor' }),
      });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ version: '1.1.0' });
    } finally {
      await restarted.kill();
    }
    await expectClean();
  }, 150_000);
});

describe('a server process killed mid-export', () => {
  it('a sync export: the row ends failed with a reason, the written file is removed', async () => {
    const { token } = await app.userWithToken('player');
    const fox = await seedFixtureAsset(app, 'Fox', { asset_type: 'base_model', category: 'creature' });
    expect((await api(app, token)('PUT', '/api/v1/character/config', { modelAssetId: fox.id })).status).toBe(
      200,
    );
    const server = await spawnServer(app, 'export-written');
    const request = fetch(`${server.url}/api/v1/avatar/export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'glb' }),
    }).catch((error: Error) => error);
    await server.reachedFault();
    await server.kill();
    await request;
    const row = await app.database.db
      .selectFrom('exports')
      .select(['id', 'status', 'storage_key'])
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'processing', storage_key: null });
    expect(await objects('exports/')).toHaveLength(1);

    // The cleanup (weekly cron) fails what lost its process, and removes the file no completed row owns.
    await cleanupOldExports(deps(), { stuckAfterSeconds: 0, orphanGraceSeconds: 0 });
    const after = await app.database.db
      .selectFrom('exports')
      .select(['status', 'error_code'])
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ status: 'failed', error_code: 'INTERRUPTED' });
    expect(await objects('exports/')).toEqual([]);
    const status = await json(await api(app, token)('GET', `/api/v1/avatar/export/status?id=${row.id}`));
    expect(status).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
    await expectClean(false); // seeded rows carry made-up checksums
  }, 120_000);
});
