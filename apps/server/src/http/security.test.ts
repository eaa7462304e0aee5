import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../test/helpers/app.ts';
import { json } from '../../test/helpers/http.ts';
import { appRouter } from '../trpc/router.ts';
import { adminProcedure } from '../trpc/trpc.ts';

let app: TestApp;
let player: { token: string };

beforeAll(async () => {
  app = await startTestApp();
  player = await app.userWithToken('player');
});
afterAll(() => app?.close());

describe('security headers', () => {
  it('every answer carries them; no server banner, no stack', async () => {
    for (const path of ['/healthz', '/api/v1/auth/me', '/no/such/route']) {
      const res = await fetch(`${app.baseUrl}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('server')).toBeNull();
      expect(await res.text()).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
    }
  });
});

describe('cross-site requests', () => {
  const exportWith = (headers: Record<string, string>, body: string | FormData) =>
    fetch(`${app.baseUrl}/api/v1/avatar/export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${player.token}`, ...headers },
      body,
    });

  it('refuses a mutation marked cross-site, or from another origin, with 403', async () => {
    const json_ = JSON.stringify({ format: 'glb', async: true });
    for (const headers of [
      { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' } as Record<string, string>,
      { origin: 'https://evil.example', 'content-type': 'application/json' },
    ]) {
      const res = await exportWith(headers, json_);
      expect(res.status).toBe(403);
      expect(await json(res)).toMatchObject({ code: 'FORBIDDEN', reason: 'CSRF_FAILED' });
    }
    // The upload route too, before a byte of the body is read.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(10)]), 'x.glb');
    const upload = await fetch(`${app.baseUrl}/resources/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${player.token}`, 'sec-fetch-site': 'cross-site' },
      body: form,
    });
    expect(upload.status).toBe(403);
    expect(await app.database.db.selectFrom('exports').select('id').execute()).toEqual([]);
  });

  it('refuses text/plain, form and multipart bodies on API mutations with 415', async () => {
    const form = new FormData();
    form.append('format', 'glb');
    for (const [headers, body] of [
      [{ 'content-type': 'text/plain' }, JSON.stringify({ format: 'glb' })],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'format=glb'],
      [{}, form],
    ] as const) {
      const res = await exportWith(headers, body);
      expect(res.status).toBe(415);
      expect(await json(res)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    expect(await app.database.db.selectFrom('exports').select('id').execute()).toEqual([]);
  });

  it('lets same-origin and non-browser requests through', async () => {
    const me = await fetch(`${app.baseUrl}/api/v1/auth/me`, {
      headers: {
        authorization: `Bearer ${player.token}`,
        origin: app.baseUrl,
        'sec-fetch-site': 'same-origin',
      },
    });
    expect(me.status).toBe(200);
    const logout = await fetch(`${app.baseUrl}/api/v1/auth/logout`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${(await app.userWithToken('player')).token}`,
        origin: app.baseUrl,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(logout.status).toBe(200);
  });
});

/** The last middleware of `adminProcedure` (the audit) comes only with it: a procedure carrying it is admin-only. */
const adminCheck = (adminProcedure as unknown as { _def: { middlewares: unknown[] } })._def.middlewares.at(
  -1,
);
const procedures = Object.entries(
  (
    appRouter as unknown as {
      _def: { procedures: Record<string, { _def: { type: string; middlewares: unknown[] } }> };
    }
  )._def.procedures,
);

describe('authorization sweep, generated from the router', () => {
  const adminOnly = procedures.filter(([, p]) => p._def.middlewares.includes(adminCheck));

  it('finds the admin procedures (new ones are covered automatically)', () => {
    const names = adminOnly.map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['integrity.report', 'integrity.repair', 'users.setRole']));
  });

  it('every admin procedure answers a player 403, whatever the input', async () => {
    const answers: string[] = [];
    for (const [name, procedure] of adminOnly) {
      const type = procedure._def.type;
      if (type === 'subscription') continue;
      const res =
        type === 'query'
          ? await fetch(`${app.baseUrl}/trpc/${name}?input=${encodeURIComponent('{}')}`, {
              headers: { authorization: `Bearer ${player.token}` },
            })
          : await fetch(`${app.baseUrl}/trpc/${name}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${player.token}`, 'content-type': 'application/json' },
              body: '{}',
            });
      answers.push(`${name}:${res.status}`);
    }
    expect(answers).toEqual(
      adminOnly.filter(([, p]) => p._def.type !== 'subscription').map(([n]) => `${n}:403`),
    );
  });
});

describe('sessions', () => {
  const me = (token: string) =>
    fetch(`${app.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  const report = (token: string) =>
    fetch(`${app.baseUrl}/api/v1/admin/integrity?checksums=skip`, {
      headers: { authorization: `Bearer ${token}` },
    });

  it('a demoted admin loses admin rights on the next request; a new login gets a new session id', async () => {
    const boss = await app.userWithToken('admin');
    const demoted = await app.userWithToken('admin');
    expect((await report(demoted.token)).status).toBe(200);
    const res = await fetch(`${app.baseUrl}/api/v1/users/${demoted.id}/role`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${boss.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'player' }),
    });
    expect(res.status).toBe(200);
    expect((await report(demoted.token)).status).toBe(401); // the session ended with the role change
    const login = await fetch(`${app.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: demoted.email, password: TEST_PASSWORD }),
    });
    const { token } = await json(login);
    expect(token).not.toBe(demoted.token);
    expect((await report(token)).status).toBe(403);
    // Setting the same role again changes nothing and ends nothing.
    await fetch(`${app.baseUrl}/api/v1/users/${demoted.id}/role`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${boss.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'player' }),
    });
    expect((await me(token)).status).toBe(200);
  });

  it('logout ends the session on the server', async () => {
    const user = await app.userWithToken('player');
    expect((await me(user.token)).status).toBe(200);
    const out = await fetch(`${app.baseUrl}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    expect((await me(user.token)).status).toBe(401);
  });
});
