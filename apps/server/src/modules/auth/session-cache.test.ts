import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { createDatabase, type Db } from '../../db/database.ts';
import { hashToken, newSessionToken } from './tokens.ts';

// Sessions are kept in memory per process (auth.service.ts). What a user must never notice: a session that
// still works after it ended, whichever process ended it, or after it expired.
let app: TestApp;
/** Another process's connection: no local-writes plugin, so only NOTIFY tells the app. */
let other: Db;

const me = (token: string) =>
  fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then(
    (res) => res.status,
  );

/** Waits until this process trusts its session cache again (after its own writes, such as a login). */
const settled = () => eventually(async () => app.changes.trusted('sessions'));

beforeAll(async () => {
  app = await startTestApp();
  other = createDatabase({ url: app.config.DATABASE_URL, poolMax: 1 });
  await eventually(async () => app.changes.isLive);
});
afterAll(async () => {
  await other?.destroy();
  await app?.close();
});

describe('sessions kept in memory', () => {
  it('ends a session at once when another process deletes it', async () => {
    const { token } = await app.userWithToken('player');
    await settled();
    expect(await me(token)).toBe(200);
    expect(await me(token)).toBe(200);
    await other.deleteFrom('sessions').where('token_hash', '=', hashToken(token)).execute();
    await eventually(async () => (await me(token)) === 401);
  });

  it('ends a session when it expires, with no change in the database', async () => {
    const { id } = await app.userWithToken('player');
    const token = newSessionToken();
    // Written by the other connection: an insert announces nothing, so only the expiry can end it here.
    await other
      .insertInto('sessions')
      .values({
        token_hash: hashToken(token),
        user_id: id,
        expires_at: sql<Date>`now() + interval '1500 ms'`,
      })
      .execute();
    await settled();
    expect(await me(token)).toBe(200);
    expect(await me(token)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect(await me(token)).toBe(401);
  });

  it("ends a demoted admin's session on the next request, and a logged-out one too", async () => {
    const { token: adminToken } = await app.userWithToken('admin');
    const demoted = await app.userWithToken('admin');
    await settled();
    expect(await me(demoted.token)).toBe(200);
    const res = await fetch(`${app.baseUrl}/api/v1/users/${demoted.id}/role`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'player' }),
    });
    expect(res.status).toBe(200);
    expect(await me(demoted.token)).toBe(401);

    await settled();
    expect(await me(adminToken)).toBe(200);
    const out = await fetch(`${app.baseUrl}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    expect(await me(adminToken)).toBe(401);
  });
});
