import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { createLogger } from '../../http/logger.ts';
import { exportKey } from '../../storage/keys.ts';
import { cleanupOldExports } from './cleanup-old-exports.ts';
import * as repo from './exports.repository.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({}, { workers: true });
});
afterAll(() => app?.close());

const db = () => app.database.db;
const keys = async () => (await app.storage.list('exports/')).items.map((i) => i.key).sort();

/** An export row in the given state, `daysOld` days old, with its file in storage when it has one. */
async function seedExport(
  userId: string,
  state: { status: 'pending' | 'processing' | 'completed' | 'failed'; daysOld?: number; withFile?: boolean },
) {
  const row = await repo.insertExport(db(), {
    user_id: userId,
    format: 'glb',
    quality: 'medium',
    mode: 'async',
    status: state.status === 'processing' ? 'processing' : 'pending',
    request_id: null,
    retentionDays: 180,
  });
  const key = exportKey(userId, row.id, 'glb');
  if (state.withFile ?? state.status === 'completed') {
    await app.storage.put(key, Buffer.from('glTF fake'), { contentType: 'model/gltf-binary' });
  }
  const days = state.daysOld ?? 0;
  await sql`update exports set status = ${state.status},
      created_at = now() - make_interval(days => ${days}),
      expires_at = now() - make_interval(days => ${days}) + interval '180 days',
      storage_key = ${state.status === 'completed' ? key : null},
      bytes = ${state.status === 'completed' ? 9 : null},
      completed_at = ${state.status === 'completed' || state.status === 'failed' ? sql`now()` : null}
    where id = ${row.id}`.execute(db());
  return { id: row.id, key };
}

async function user(lastSeenDaysAgo: number) {
  const { id } = await app.userWithToken('player');
  await sql`update users set last_seen_at = now() - make_interval(days => ${lastSeenDaysAgo}),
      created_at = now() - interval '400 days' where id = ${id}`.execute(db());
  return id;
}

describe('cleanupOldExports', () => {
  it('removes old exports, exports of inactive users, their GLB references, and orphans; keeps the rest', async () => {
    const active = await user(1);
    const inactive = await user(200);
    const keep = await seedExport(active, { status: 'completed', daysOld: 10 });
    const old = await seedExport(active, { status: 'completed', daysOld: 181 });
    const ofInactive = await seedExport(inactive, { status: 'completed', daysOld: 5 });
    const inFlight = await seedExport(active, { status: 'processing', withFile: true });
    const stuck = await seedExport(active, { status: 'processing', daysOld: 2 });
    const failedWithFile = await seedExport(active, { status: 'failed', withFile: true });
    const orphan = exportKey(active, randomUUID(), 'glb');
    await app.storage.put(orphan, Buffer.from('left behind'), { contentType: 'model/gltf-binary' });

    await db()
      .insertInto('avatar_configs')
      .values([
        {
          user_id: active,
          glb_url: 'https://signed.example/old',
          glb_key: old.key,
          glb_generated_at: new Date(),
        },
        // A GLB from before glb_key existed: only its URL is known.
        { user_id: inactive, glb_url: 'https://blob.example/legacy.glb', glb_generated_at: new Date() },
      ])
      .execute();

    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const summary = await cleanupOldExports(
      { config: app.config, db: db(), storage: app.storage, logger },
      { orphanGraceSeconds: 0 },
    );
    expect(summary).toEqual({
      interrupted: 1,
      exportsRemoved: 2,
      glbReferencesCleared: 2,
      orphansRemoved: 2,
    });

    expect(await keys()).toEqual([keep.key, inFlight.key].sort());
    const rows = await db().selectFrom('exports').select(['id', 'status', 'error_code']).execute();
    expect(rows.map((r) => r.id).sort()).toEqual([keep.id, inFlight.id, stuck.id, failedWithFile.id].sort());
    expect(rows.find((r) => r.id === stuck.id)).toMatchObject({
      status: 'failed',
      error_code: 'INTERRUPTED',
    });
    expect(rows.some((r) => r.id === ofInactive.id || r.id === old.id)).toBe(false);
    const configs = await db()
      .selectFrom('avatar_configs')
      .select(['glb_url', 'glb_key', 'glb_generated_at'])
      .execute();
    for (const config of configs)
      expect(config).toEqual({ glb_url: null, glb_key: null, glb_generated_at: null });

    const logged = lines
      .map((line) => JSON.parse(line))
      .find((l) => l.msg === 'cleanupOldExports removed old exports');
    expect(logged).toMatchObject(summary);

    // A second run finds nothing more to do.
    expect(
      await cleanupOldExports(
        { config: app.config, db: db(), storage: app.storage, logger },
        { orphanGraceSeconds: 0 },
      ),
    ).toEqual({ interrupted: 0, exportsRemoved: 0, glbReferencesCleared: 0, orphansRemoved: 0 });
  });

  it('leaves young orphans alone: an export in flight writes its file before its row says so', async () => {
    const someone = await user(1);
    const young = exportKey(someone, randomUUID(), 'glb');
    await app.storage.put(young, Buffer.from('being written'), { contentType: 'model/gltf-binary' });
    const logger = createLogger('silent');
    const summary = await cleanupOldExports({ config: app.config, db: db(), storage: app.storage, logger });
    expect(summary.orphansRemoved).toBe(0);
    expect(await keys()).toContain(young);
  });

  it('is scheduled weekly on the queue', async () => {
    const { rows } = await sql<{
      name: string;
      cron: string;
    }>`select name, cron from pgboss.schedule`.execute(db());
    expect(rows).toContainEqual({ name: 'maintenance.cleanup', cron: '0 3 * * 0' });
  });
});
