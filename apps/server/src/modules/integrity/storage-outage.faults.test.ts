import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { api, seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { fixture, postUpload, uploadForm } from '../uploads/uploads.test-support.ts';
import { report } from './integrity.service.ts';
import { startStoppableS3 } from './outage.test-support.ts';
import { reapOrphansJob } from './reap-orphans.job.ts';

// The real S3-protocol server goes away (stopped, its port refusing connections) and comes back.

let s3: Awaited<ReturnType<typeof startStoppableS3>>;
let app: TestApp;
let admin: { token: string };
let player: { token: string };

beforeAll(async () => {
  s3 = await startStoppableS3();
  app = await startTestApp({
    ASSET_STORAGE_MODE: 's3',
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: 'S3RVER',
    S3_SECRET_KEY: 'S3RVER',
    S3_BUCKET: s3.bucket,
    INTEGRITY_ORPHAN_GRACE_SECONDS: '0',
  });
  admin = await app.userWithToken('admin');
  player = await app.userWithToken('player');
  const fox = await seedFixtureAsset(app, 'Fox', { asset_type: 'base_model', category: 'creature' });
  expect(
    (await api(app, player.token)('PUT', '/api/v1/character/config', { modelAssetId: fox.id })).status,
  ).toBe(200);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await s3?.close();
});

const jobsNamed = async (name: string) =>
  Number(
    (
      await sql<{ n: string }>`select count(*) as n from pgboss.job where name = ${name}`.execute(
        app.database.db,
      )
    ).rows[0]?.n,
  );
const count = async (table: 'asset_catalog' | 'exports') =>
  (await app.database.db.selectFrom(table).select('id').execute()).length;

async function expectRefused(res: Response) {
  expect(res.status).toBe(503);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  const text = await res.text();
  expect(JSON.parse(text)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'STORAGE_UNAVAILABLE' });
  expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at .*\.ts/);
}

describe('storage unreachable', () => {
  it('during an upload: 503 with Retry-After, no row, no job; the upload after storage returns succeeds', async () => {
    const rowsBefore = await count('asset_catalog');
    const jobsBefore = await jobsNamed('asset.process');
    await s3.stop();
    try {
      for (let i = 0; i < 3; i++)
        await expectRefused(await postUpload(app, admin.token, uploadForm(fixture('Box.glb'))));
    } finally {
      await s3.start();
    }
    expect(await count('asset_catalog')).toBe(rowsBefore);
    expect(await jobsNamed('asset.process')).toBe(jobsBefore);

    const next = await postUpload(app, admin.token, uploadForm(fixture('Box.glb')));
    expect(next.status).toBe(201);
    expect(await jobsNamed('asset.process')).toBe(jobsBefore + 1);
    // The records kept in case a write had landed go with the reaper once their grace is over.
    await app.database.db
      .updateTable('pending_uploads')
      .set({ expires_at: new Date(0) })
      .execute();
    const deps = {
      config: app.config,
      db: app.database.db,
      storage: app.storage,
      logger: pino({ level: 'silent' }),
    };
    await reapOrphansJob(deps)({
      id: 't',
      name: 'maintenance.reap-orphans',
      data: {},
      retryCount: 0,
      isLastAttempt: true,
    });
    expect(await app.database.db.selectFrom('pending_uploads').select('id').execute()).toEqual([]);
    const integrity = await report(deps, { verifyChecksums: false });
    expect(integrity).toMatchObject({ orphanObjects: [], missingObjects: [] });
  }, 90_000);

  it('during an export: 503 with Retry-After, no row, no job, not counted; the export after it succeeds', async () => {
    const call = api(app, player.token);
    const exportJobs = await jobsNamed('export.run');
    await s3.stop();
    try {
      await expectRefused(await call('POST', '/api/v1/avatar/export', { format: 'glb' }));
      await expectRefused(await call('POST', '/api/v1/avatar/export', { format: 'glb', async: true }));
    } finally {
      await s3.start();
    }
    expect(await count('exports')).toBe(0);
    expect(await jobsNamed('export.run')).toBe(exportJobs);
    const window = await app.database.db.selectFrom('rate_limits').select('count').execute();
    expect(window).toEqual([]); // refused before the rate limit counted anything

    const res = await call('POST', '/api/v1/avatar/export', { format: 'glb' });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: 'completed' });
    expect(await count('exports')).toBe(1);
  }, 90_000);
});
