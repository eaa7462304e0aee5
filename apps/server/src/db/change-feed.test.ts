import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { createLogger } from '../http/logger.ts';
import { ChangeFeed } from './change-feed.ts';
import { ReadCache } from './read-cache.ts';

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('change feed and read cache', () => {
  let database: TestDatabase;
  let feed: ChangeFeed;
  let userId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    feed = new ChangeFeed(database.url, createLogger('silent'));
    feed.start();
    await until(() => feed.isLive);
    const user = await database.db
      .insertInto('users')
      .values({ email: 'feed@example.test', password_hash: 'x', role: 'player' })
      .returning('id')
      .executeTakeFirstOrThrow();
    userId = user.id;
  });
  afterAll(async () => {
    await feed.stop();
    await database.drop();
  });

  /** A cache of one read that counts how often it went to the database. */
  function countingCache() {
    const cache = new ReadCache<number>(feed, 'avatar_delivery', 10);
    let reads = 0;
    const read = () =>
      cache.through(
        'config',
        async () => {
          reads++;
          const rows = await database.db.selectFrom('avatar_configs').select('user_id').execute();
          return rows.length;
        },
        () => true,
      );
    return { read, reads: () => reads };
  }

  it('serves repeats from memory until another connection changes a watched table', async () => {
    const { read, reads } = countingCache();
    expect(await read()).toBe(0);
    expect(await read()).toBe(0);
    expect(reads()).toBe(1);

    // Written through a connection without the local-writes plugin: only the notification can tell.
    const before = feed.version('avatar_delivery');
    await database.db.insertInto('avatar_configs').values({ user_id: userId }).execute();
    await until(() => feed.version('avatar_delivery') > before);
    expect(await read()).toBe(1);
    expect(reads()).toBe(2);
  });

  it("counts this process's own writes at once, before any notification", async () => {
    const { read, reads } = countingCache();
    await read();
    const withPlugin = database.db.withPlugin(feed.localWrites());
    await withPlugin.deleteFrom('avatar_configs').where('user_id', '=', userId).execute();
    // No waiting: the plugin saw the delete, so the next read cannot come from memory.
    expect(await read()).toBe(0);
    expect(reads()).toBe(2);
    // And just after a local write nothing is cached (its transaction may not have committed yet).
    await read();
    expect(reads()).toBe(3);
  });

  it('reads through while its connection is down, and caches again once it is back', async () => {
    const { read, reads } = countingCache();
    await until(() => feed.trusted('avatar_delivery'));
    await read();
    await read();
    expect(reads()).toBe(1);

    await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and query ilike 'LISTEN%'`.execute(database.db);
    await until(() => !feed.isLive);
    await read();
    await read();
    expect(reads()).toBe(3);

    await until(() => feed.isLive && feed.trusted('avatar_delivery'));
    await read();
    await read();
    expect(reads()).toBe(4);
  });
});
