import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import * as auth from '../auth/auth.service.ts';
import { fixture, uploadForm } from '../uploads/uploads.test-support.ts';
import { report } from './integrity.service.ts';
import { type OutageApp, startAppOn, startOwnPostgres } from './outage.test-support.ts';
import { reapOrphansJob } from './reap-orphans.job.ts';

// PostgreSQL itself goes away (a server of this test's own, stopped and started with its data kept).

let pg: Awaited<ReturnType<typeof startOwnPostgres>>;
let app: OutageApp;
let adminToken: string;

beforeAll(async () => {
  pg = await startOwnPostgres();
  app = await startAppOn(pg.url, { INTEGRITY_ORPHAN_GRACE_SECONDS: '0' }, { workers: true });
  const email = 'outage-admin@example.test';
  await auth.createUser(
    { config: app.config, db: app.db },
    { email, password: TEST_PASSWORD, role: 'admin' },
  );
  const login = await fetch(`${app.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: TEST_PASSWORD }),
  });
  adminToken = (await json(login)).token;
}, 120_000);
afterAll(async () => {
  await app?.close();
  await pg?.close();
}, 60_000);

const upload = (file: string) =>
  fetch(`${app.baseUrl}/resources/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
    body: uploadForm(fixture(file)),
  });
const deps = () => ({
  config: app.config,
  db: app.db,
  storage: app.storage,
  logger: pino({ level: 'silent' }),
});
const reap = () =>
  reapOrphansJob(deps())({
    id: 't',
    name: 'maintenance.reap-orphans',
    data: {},
    retryCount: 0,
    isLastAttempt: true,
  });

async function until(what: string, condition: () => Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the database unreachable after the object was written', () => {
  it('answers 503; the object goes (now or with the reaper), and a referenced object never does', async () => {
    const kept = await upload('Fox.glb');
    expect(kept.status).toBe(201);
    const keptKey = (await app.db.selectFrom('asset_catalog').select('storage_key').executeTakeFirstOrThrow())
      .storage_key;
    // Its background processing writes variants too: let it finish, so the write caught below is the upload's.
    await until('the first upload processed', async () => {
      const row = await app.db.selectFrom('asset_catalog').select('status').executeTakeFirstOrThrow();
      return row.status !== 'processing';
    });

    // The database stops right after the storage write, before the row is inserted.
    const put = app.storage.put.bind(app.storage);
    let written: string | null = null;
    app.storage.put = async (key, body, options) => {
      const result = await put(key, body, options);
      if (key.startsWith('assets/')) {
        written = key;
        await pg.stop();
      }
      return result;
    };
    let res: Response;
    try {
      res = await upload('Box.glb');
    } finally {
      app.storage.put = put;
      await pg.start();
    }
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await json(res)).toMatchObject({ reason: 'DATABASE_UNAVAILABLE' });
    expect(written).not.toBeNull();

    await until('the database again', async () => (await fetch(`${app.baseUrl}/readyz`)).status === 200);
    await until('the pool again', async () => Boolean(await sql`select 1`.execute(app.db)));
    expect(await app.db.selectFrom('asset_catalog').select('storage_key').execute()).toEqual([
      { storage_key: keptKey },
    ]);
    await app.db
      .updateTable('pending_uploads')
      .set({ expires_at: new Date(0) })
      .execute();
    await reap();
    expect(await app.storage.head(written!)).toBeNull();
    expect(await app.storage.head(keptKey)).not.toBeNull();
    expect(await report(deps(), {})).toMatchObject({
      orphanObjects: [],
      missingObjects: [],
      checksumMismatches: [],
    });
  }, 120_000);
});

describe('PostgreSQL restarted under load', () => {
  it('the API answers 503 (never 500) while it is down, and the API and workers carry on without a restart', async () => {
    const statuses = new Map<number, number>();
    let stopLoad = false;
    // Bounded load: four clients, loopback only, until the test says stop (and at most 60 s).
    const deadline = Date.now() + 60_000;
    const client = async () => {
      while (!stopLoad && Date.now() < deadline) {
        const res = await fetch(`${app.baseUrl}/api/v1/auth/me`, {
          headers: { authorization: `Bearer ${adminToken}` },
        }).catch(() => null);
        const status = res?.status ?? 0;
        await res?.arrayBuffer();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const load = Promise.all([client(), client(), client(), client()]);
    await until('some load', async () => (statuses.get(200) ?? 0) > 20);
    await pg.stop();
    await until('refusals', async () => (statuses.get(503) ?? 0) > 5).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(Object.fromEntries(statuses))}`);
    });
    expect((await fetch(`${app.baseUrl}/readyz`)).status).toBe(503);
    await pg.start();
    const okBefore = statuses.get(200) ?? 0;
    await until('recovery', async () => (statuses.get(200) ?? 0) > okBefore + 20);
    stopLoad = true;
    await load;
    expect([...statuses.keys()].sort()).toEqual([200, 503]);

    // The workers reconnected too: a job queued now runs to completion.
    const id = (await app.jobs.send('maintenance.reap-orphans', {}))!;
    await until(
      'the job',
      async () => (await app.jobs.state('maintenance.reap-orphans', id))?.state === 'completed',
    );
    const next = await upload('Box.glb');
    expect(next.status).toBe(201);
    console.info(`postgres restart under load: ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 150_000);
});
