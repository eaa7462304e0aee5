import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';

let app: TestApp;
const lines: string[] = [];
beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'info' }, { logLines: lines });
});
afterAll(() => app?.close());

it('logs bad input at info level with its request id, never as a server error', async () => {
  const player = await app.userWithToken('player');
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${app.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const responses = [
    await fetch(`${app.baseUrl}/no/such/route`),
    await post('/api/v1/auth/login', '{broken'),
    await post('/api/v1/auth/login', JSON.stringify({ email: 5 })),
    await post(
      '/api/v1/auth/login',
      JSON.stringify({ email: 'x@example.test', password: 'y'.repeat(2_000_000) }),
    ),
    await post('/api/v1/auth/login', JSON.stringify({ email: 'ghost@example.test', password: 'nope' })),
    await fetch(`${app.baseUrl}/api/v1/auth/me`),
    await post('/api/v1/users', JSON.stringify({ email: 'a@example.test', password: 'long-enough' }), {
      authorization: `Bearer ${player.token}`,
    }),
  ];
  expect(responses.map((r) => r.status)).toEqual([404, 400, 400, 413, 401, 401, 403]);

  const entries = lines.map(
    (l) => JSON.parse(l) as { level: number; req?: { id?: string }; res?: { statusCode?: number } },
  );
  expect(entries.filter((e) => e.level >= 50)).toEqual([]);
  for (const res of responses) {
    const id = res.headers.get('x-request-id');
    const entry = entries.find((e) => e.req?.id === id);
    expect(entry?.res?.statusCode, `log line for ${id}`).toBe(res.status);
  }
});
