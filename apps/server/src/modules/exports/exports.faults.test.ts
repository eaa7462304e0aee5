import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportErrorMessages } from '@avatar/contracts';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { createApp } from '../../app.ts';
import type { ExportRow } from '../../db/tables.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import { StorageError } from '../../storage/storage-error.ts';
import { api, seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { exportJobHandler } from './export.job.ts';
import { exportMetricsRegistry } from './export-metrics.ts';
import * as repo from './exports.repository.ts';
import { waitForExport } from './exports.test-support.ts';

/** Fox with Box hair at its head bone, the knight as a top and a Box hat. */
async function seedAvatar(app: TestApp, token: string) {
  const fox = await seedFixtureAsset(app, 'Fox', { asset_type: 'base_model', category: 'creature' });
  const hair = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
  const top = await seedFixtureAsset(app, 'chr_knight', { asset_type: 'top', category: 'fantasy' });
  const hat = await seedFixtureAsset(app, 'Box', { asset_type: 'accessory', category: 'headwear' });
  const res = await api(app, token)('PUT', '/api/v1/character/config', {
    modelAssetId: fox.id,
    parts: { hair: hair.id, top: top.id, accessories: [hat.id] },
  });
  expect(res.status).toBe(200);
}

const exportObjects = async (app: TestApp) => (await app.storage.list('exports/')).items.map((i) => i.key);

/** Replaces `storage.put` for one test (the app and its workers share this storage object). */
function stubPut(
  storage: AssetStorage,
  put: (
    original: AssetStorage['put'],
    ...args: Parameters<AssetStorage['put']>
  ) => ReturnType<AssetStorage['put']>,
) {
  const original = storage.put.bind(storage);
  storage.put = (...args) => put(original, ...args);
  return () => {
    storage.put = original;
  };
}

async function completedCount(): Promise<number> {
  const metric = await exportMetricsRegistry.getSingleMetric('avatar_exports_total')!.get();
  return metric.values.filter((v) => v.labels.status === 'completed').reduce((sum, v) => sum + v.value, 0);
}

describe('with workers', () => {
  let app: TestApp;
  let token: string;
  let call: ReturnType<typeof api>;
  let restore: (() => void) | null = null;

  beforeAll(async () => {
    app = await startTestApp({ EXPORT_RATE_LIMIT: '100' }, { workers: true });
    token = (await app.userWithToken('player')).token;
    call = api(app, token);
    await seedAvatar(app, token);
  });
  afterEach(() => {
    restore?.();
    restore = null;
  });
  afterAll(() => app?.close());

  describe('storage failing during an export', () => {
    it('sync: 503 with a readable reason, the export failed, and no object left', async () => {
      // The worst case: bytes land, then the storage reports a failure.
      restore = stubPut(app.storage, async (original, key, body, options) => {
        await original(key, body, options);
        throw new StorageError('UNAVAILABLE', { cause: new Error('socket hang up from 10.0.0.7:9000') });
      });
      const res = await call('POST', '/api/v1/avatar/export', { format: 'glb' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      const text = await res.text();
      const body = JSON.parse(text);
      expect(body).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'STORAGE_UNAVAILABLE',
        message: exportErrorMessages.STORAGE_UNAVAILABLE,
        requestId: res.headers.get('x-request-id'),
      });
      // Sanitized: no driver text, address, key or stack.
      expect(text).not.toMatch(/socket|10\.0\.0\.7|exports\/|at .*\.ts|stack/);

      const row = await app.database.db
        .selectFrom('exports')
        .select(['id', 'status', 'error_code'])
        .orderBy('created_at', 'desc')
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'failed', error_code: 'STORAGE_UNAVAILABLE' });
      const status = await json(await call('GET', `/api/v1/avatar/export/status?id=${row.id}`));
      expect(status).toMatchObject({
        status: 'failed',
        downloadUrl: null,
        error: { code: 'STORAGE_UNAVAILABLE', message: exportErrorMessages.STORAGE_UNAVAILABLE },
      });
      expect(await exportObjects(app)).toEqual([]);
    });

    it('async: retried with backoff, then failed with the reason, and no object left', async () => {
      let puts = 0;
      restore = stubPut(app.storage, async (original, key, body, options) => {
        puts++;
        await original(key, body, options);
        throw new StorageError('UNAVAILABLE');
      });
      const queued = await json(await call('POST', '/api/v1/avatar/export', { format: 'glb', async: true }));
      const failed = await waitForExport(call, queued.id, ['failed'], 50_000);
      expect(failed.error).toEqual({
        code: 'STORAGE_UNAVAILABLE',
        message: exportErrorMessages.STORAGE_UNAVAILABLE,
      });
      expect(puts).toBe(3); // the first attempt and two retries (JOB_POLICIES['export.run'])
      const row = await repo.findExport(app.database.db, queued.id);
      expect(row?.attempts).toBe(3);
      expect(await exportObjects(app)).toEqual([]);
    }, 60_000);

    it('async: a failure another attempt gets past ends completed, once', async () => {
      let puts = 0;
      restore = stubPut(app.storage, async (original, key, body, options) => {
        if (++puts === 1) throw new StorageError('UNAVAILABLE');
        return original(key, body, options);
      });
      const before = await completedCount();
      const queued = await json(await call('POST', '/api/v1/avatar/export', { format: 'glb', async: true }));
      const done = await waitForExport(call, queued.id, ['completed', 'failed'], 30_000);
      expect(done.status).toBe('completed');
      expect((await repo.findExport(app.database.db, queued.id))?.attempts).toBe(2);
      expect(await completedCount()).toBe(before + 1);
      expect(await exportObjects(app)).toContain(
        (await repo.findExport(app.database.db, queued.id))?.storage_key,
      );
    }, 40_000);
  });

  describe('a client that disconnects during a sync export', () => {
    it('cancels the export: it ends failed (CANCELLED), leaves no file, and the server carries on', async () => {
      const before = await exportObjects(app);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let putStarted = false;
      restore = stubPut(app.storage, async (original, ...args) => {
        putStarted = true;
        await gate;
        return original(...args);
      });
      const client = new AbortController();
      const request = call(
        'POST',
        '/api/v1/avatar/export',
        { format: 'glb' },
        { signal: client.signal },
      ).catch((error: Error) => error.name);
      while (!putStarted) await new Promise((r) => setTimeout(r, 20));
      client.abort();
      expect(await request).toBe('AbortError');
      await new Promise((r) => setTimeout(r, 200)); // the server sees the socket close
      release();

      const row = await waitForRow(app, (r) => r.status === 'failed');
      expect(row).toMatchObject({ status: 'failed', error_code: 'CANCELLED', storage_key: null });
      expect(await exportObjects(app)).toEqual(before);
      restore();
      restore = null;
      const next = await call('POST', '/api/v1/avatar/export', { format: 'glb', quality: 'low' });
      expect((await json(next)).status).toBe('completed');
    });
  });

  describe('a job delivered twice', () => {
    it('completes once: the second run finds it finished and writes nothing more', async () => {
      const user = await app.database.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
      const row = await repo.insertExport(app.database.db, {
        user_id: user.id,
        format: 'glb',
        quality: 'low',
        mode: 'async',
        status: 'pending',
        request_id: null,
        retentionDays: 180,
      });
      const deps = {
        config: app.config,
        db: app.database.db,
        storage: app.storage,
        jobs: app.jobs,
        logger: pino({ level: 'silent' }),
      };
      const handler = exportJobHandler(deps);
      const job = (n: number) => ({
        id: `job-${n}`,
        name: 'export.run' as const,
        data: { exportId: row.id },
        retryCount: 0,
        isLastAttempt: false,
      });
      const before = await completedCount();
      const outcomes = await Promise.all([handler(job(1)), handler(job(2))]);
      expect(outcomes.sort()).toEqual(['completed', 'skipped']);
      expect(await handler(job(3))).toBe('skipped'); // a late redelivery
      expect(await completedCount()).toBe(before + 1);
      const final = await repo.findExport(app.database.db, row.id);
      expect(final).toMatchObject({ status: 'completed', attempts: 2 });
      expect((await exportObjects(app)).filter((k) => k.includes(row.id))).toEqual([final!.storage_key]);
    });
  });
});

async function waitForRow(app: TestApp, done: (row: ExportRow) => boolean, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const row = await app.database.db
      .selectFrom('exports')
      .select(repo.exportColumns)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (row && done(row)) return row;
    if (Date.now() > until) throw new Error(`export is ${row?.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a sync export past its time budget', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ EXPORT_SYNC_BUDGET_MS: '1' }, { workers: true });
  });
  afterAll(() => app?.close());

  it('moves to the background, says so, and completes there once', async () => {
    const { token } = await app.userWithToken('player');
    await seedAvatar(app, token);
    const call = api(app, token);
    const res = await call('POST', '/api/v1/avatar/export', { format: 'glb' });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ mode: 'async', status: 'pending', downloadUrl: null });
    expect(body.notice).toMatch(/continues in the background/);
    const done = await waitForExport(call, body.id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', mode: 'async' });
    await new Promise((r) => setTimeout(r, 500)); // let the abandoned in-request run reach its checkpoint
    expect(await exportObjects(app)).toEqual([
      done.downloadUrl && (await repo.findExport(app.database.db, body.id))!.storage_key,
    ]);
  });
});

describe('the export rate limit', () => {
  let app: TestApp;
  let second: Server;
  let secondUrl: string;
  beforeAll(async () => {
    app = await startTestApp();
    // A second API process on the same database: the window is in PostgreSQL, not in either process.
    second = createServer(
      createApp({
        config: app.config,
        db: app.database.db,
        logger: pino({ level: 'silent' }),
        storage: app.storage,
        jobs: app.jobs,
      }),
    );
    await new Promise<void>((resolve) => second.listen(0, '127.0.0.1', resolve));
    secondUrl = `http://127.0.0.1:${(second.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    second?.closeAllConnections();
    await new Promise((resolve) => second?.close(resolve));
    await app?.close();
  });

  it('refuses the sixth export in an hour with 429, Retry-After and a friendly message, across processes', async () => {
    const { token } = await app.userWithToken('player');
    const post = (base: string) =>
      fetch(`${base}/api/v1/avatar/export`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ format: 'glb', async: true }),
      });
    for (let i = 0; i < 5; i++) expect((await post(i % 2 ? secondUrl : app.baseUrl)).status).toBe(200);
    for (const base of [app.baseUrl, secondUrl]) {
      const res = await post(base);
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(3_500);
      expect(retryAfter).toBeLessThanOrEqual(3_600);
      const body = await json(res);
      expect(body).toMatchObject({ code: 'TOO_MANY_REQUESTS', reason: 'RATE_LIMITED' });
      expect(body.message).toBe('You can export 5 times per hour. Please try again in 60 minutes.');
    }
    expect(await app.database.db.selectFrom('exports').select('id').execute()).toHaveLength(5);
    // Someone else is not limited by it.
    const other = await app.userWithToken('player');
    expect(
      (await api(app, other.token)('POST', '/api/v1/avatar/export', { format: 'glb', async: true })).status,
    ).toBe(200);
  });
});

describe('export health', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  const health = async () => json(await fetch(`${app.baseUrl}/api/v1/avatar/export/health`));

  async function finished(status: 'completed' | 'failed', errorCode: string | null = null) {
    const { id } = await app.userWithToken('player');
    const row = await repo.insertExport(app.database.db, {
      user_id: id,
      format: 'glb',
      quality: 'low',
      mode: 'sync',
      status: 'processing',
      request_id: null,
      retentionDays: 180,
    });
    await app.database.db
      .updateTable('exports')
      .set({
        status,
        error_code: errorCode,
        completed_at: new Date(),
        storage_key: status === 'completed' ? `exports/${id}/${row.id}.glb` : null,
        bytes: status === 'completed' ? 1 : null,
      })
      .where('id', '=', row.id)
      .execute();
  }

  it('is healthy with nothing finished, degraded below 80% success, and leaves cancelled exports out', async () => {
    expect(await health()).toMatchObject({
      status: 'healthy',
      lastHour: { completed: 0, failed: 0, successRate: null },
    });
    for (let i = 0; i < 4; i++) await finished('completed');
    await finished('failed', 'STORAGE_UNAVAILABLE');
    expect(await health()).toMatchObject({
      status: 'healthy',
      lastHour: { completed: 4, failed: 1, successRate: 0.8 },
    });
    await finished('failed', 'CANCELLED'); // the client left: says nothing about the pipeline
    expect((await health()).lastHour.successRate).toBe(0.8);
    await finished('failed', 'COMPOSE_FAILED');
    const body = await health();
    expect(body).toMatchObject({ status: 'degraded', checks: { database: 'up', storage: 'up' } });
    expect(body.lastHour.successRate).toBeCloseTo(4 / 6);
  });

  it('is unhealthy when storage cannot be reached', async () => {
    const ping = app.storage.ping.bind(app.storage);
    app.storage.ping = () => Promise.reject(new StorageError('UNAVAILABLE'));
    try {
      expect(await health()).toMatchObject({
        status: 'unhealthy',
        checks: { database: 'up', storage: 'down' },
      });
    } finally {
      app.storage.ping = ping;
    }
  });
});
