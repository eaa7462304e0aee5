import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ LOGIN_SLOWDOWN_AFTER: '3', LOGIN_MAX_FAILURES: '5' });
});
afterAll(() => app?.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const cookiesOf = (res: Response) =>
  Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]));

/** Every error body: a stable code and a human message, never a stack or a driver message. */
async function expectSafeError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const text = await res.text();
  expect(text).not.toMatch(/at .*\.ts:\d+|stack|node_modules|pg_|relation "|syntax error at/i);
  const body = JSON.parse(text);
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  return body;
}

describe('login', () => {
  it('answers a token and sets httpOnly SameSite cookies, and the token identifies the user', async () => {
    const { email } = await app.userWithToken('player');
    const res = await post('/api/v1/auth/login', { email: email.toUpperCase(), password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.user).toMatchObject({ email, role: 'player' });
    expect(body.token).toMatch(/^[\w-]{40,}$/);
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/session=[^;]+;.*HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);

    const me = await fetch(`${app.baseUrl}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(me.status).toBe(200);
    expect(await json(me)).toMatchObject({ email, role: 'player' });
  });

  it('refuses a wrong password and an unknown email alike with 401', async () => {
    const { email } = await app.userWithToken('player');
    const wrong = await expectSafeError(
      await post('/api/v1/auth/login', { email, password: 'nope-nope' }),
      401,
      'UNAUTHORIZED',
    );
    const unknown = await expectSafeError(
      await post('/api/v1/auth/login', { email: 'ghost@example.test', password: 'nope-nope' }),
      401,
      'UNAUTHORIZED',
    );
    expect(wrong.message).toBe(unknown.message);
  });

  it('slows down and then refuses repeated failures for one account with 429 and Retry-After', async () => {
    const { email } = await app.userWithToken('player');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await post('/api/v1/auth/login', { email, password: 'wrong-pass' })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const blocked = await post('/api/v1/auth/login', { email, password: TEST_PASSWORD });
    await expectSafeError(blocked, 429, 'TOO_MANY_REQUESTS');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('sessions', () => {
  it('reads the cookie session, and refuses a cookie mutation without the CSRF header', async () => {
    const { email } = await app.userWithToken('player');
    const login = await post('/api/v1/auth/login', { email, password: TEST_PASSWORD });
    const { session, csrf_token } = cookiesOf(login);
    const cookie = `session=${session}; csrf_token=${csrf_token}`;

    const me = await fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(200);

    const forged = await post('/api/v1/auth/logout', {}, { cookie });
    const body = await expectSafeError(forged, 403, 'FORBIDDEN');
    expect(body.reason).toBe('CSRF_FAILED');
    // The forged request changed nothing: the session still works.
    expect((await fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { cookie } })).status).toBe(200);

    const real = await post('/api/v1/auth/logout', {}, { cookie, 'x-csrf-token': csrf_token! });
    expect(real.status).toBe(200);
    await expectSafeError(
      await fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { cookie } }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('answers 401 without a session and for an expired one', async () => {
    await expectSafeError(await fetch(`${app.baseUrl}/api/v1/auth/me`), 401, 'UNAUTHORIZED');
    const { token } = await app.userWithToken('player');
    await app.database.db
      .updateTable('sessions')
      .set({ expires_at: sql`now() - interval '1 second'` })
      .execute();
    const res = await fetch(`${app.baseUrl}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await expectSafeError(res, 401, 'UNAUTHORIZED');
  });

  it('serves the same procedures over tRPC', async () => {
    const { token, email } = await app.userWithToken('admin');
    const res = await fetch(`${app.baseUrl}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect((await json(res)).result.data).toMatchObject({ email, role: 'admin' });
  });
});

describe('users (admin)', () => {
  it('lets an admin create a user and change a role', async () => {
    const admin = await app.userWithToken('admin');
    const headers = { authorization: `Bearer ${admin.token}` };
    const created = await post(
      '/api/v1/users',
      { email: 'new.player@example.test', password: 'long-enough-1' },
      headers,
    );
    expect(created.status).toBe(200);
    const user = await json(created);
    expect(user).toMatchObject({ email: 'new.player@example.test', role: 'player' });

    const promoted = await fetch(`${app.baseUrl}/api/v1/users/${user.id}/role`, {
      method: 'PATCH',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'admin' }),
    });
    expect(promoted.status).toBe(200);
    expect((await json(promoted)).role).toBe('admin');

    const again = await post(
      '/api/v1/users',
      { email: 'NEW.player@example.test', password: 'long-enough-1' },
      headers,
    );
    await expectSafeError(again, 409, 'CONFLICT');

    const page = await fetch(`${app.baseUrl}/api/v1/users?limit=1`, { headers });
    const body = await json(page);
    expect(body.items).toHaveLength(1);
    expect(body.nextCursor).toEqual(expect.any(String));
    expect(body.items[0]).not.toHaveProperty('password_hash');
  });

  it('refuses a player with 403 and leaves nothing behind', async () => {
    const player = await app.userWithToken('player');
    const res = await post(
      '/api/v1/users',
      { email: 'sneaky@example.test', password: 'long-enough-1', role: 'admin' },
      { authorization: `Bearer ${player.token}` },
    );
    const body = await expectSafeError(res, 403, 'FORBIDDEN');
    expect(body.reason).toBe('ADMIN_ONLY');
    const row = await app.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'sneaky@example.test')
      .execute();
    expect(row).toEqual([]);
  });
});

describe('bad input', () => {
  it('answers malformed JSON with 400', async () => {
    const body = await expectSafeError(await post('/api/v1/auth/login', '{"email": '), 400, 'BAD_REQUEST');
    expect(body.reason).toBe('INVALID_JSON');
  });

  it('answers wrong types with 400 naming the field', async () => {
    const body = await expectSafeError(
      await post('/api/v1/auth/login', { email: 42, password: [] }),
      400,
      'BAD_REQUEST',
    );
    expect(body.message).toMatch(/validation/i);
    expect(new Set(body.issues.map((i: { path: string[] }) => i.path[0]))).toEqual(
      new Set(['email', 'password']),
    );
  });

  it('answers an oversize body with 413', async () => {
    const huge = JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(2 * 1024 * 1024) });
    await expectSafeError(await post('/api/v1/auth/login', huge), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers unknown routes with 404', async () => {
    await expectSafeError(await fetch(`${app.baseUrl}/api/v1/nothing-here`), 404, 'NOT_FOUND');
  });

  it('keeps a sane incoming request id and replaces an unsafe one', async () => {
    const kept = await fetch(`${app.baseUrl}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${app.baseUrl}/healthz`, {
      headers: { 'x-request-id': 'bad id <script>' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
