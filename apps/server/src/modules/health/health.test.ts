import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';

let app: TestApp;
let broken: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  // The same app, pointed at a port where no database listens.
  broken = await startTestApp({ DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:9/none' });
});
afterAll(async () => {
  await app?.close();
  await broken?.close();
});

describe('health, readiness and metrics', () => {
  it('answers /healthz and /readyz with JSON', async () => {
    const health = await fetch(`${app.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await json(health)).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${app.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await json(ready)).toMatchObject({ status: 'ready', checks: { database: { status: 'up' } } });
  });

  it('reports not ready, and answers 503 with a safe message, when the database is down', async () => {
    const ready = await fetch(`${broken.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await json(ready)).toMatchObject({
      status: 'unavailable',
      checks: { database: { status: 'down' } },
    });

    const login = await fetch(`${broken.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.test', password: 'whatever' }),
    });
    expect(login.status).toBe(503);
    expect(login.headers.get('retry-after')).toBe('5');
    const text = await login.text();
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|pg/);
    expect(JSON.parse(text)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE' });
  });

  it('counts requests by route in Prometheus text', async () => {
    await fetch(`${app.baseUrl}/api/v1/auth/me`);
    const metrics = await fetch(`${app.baseUrl}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/auth\/me",status="401"\} 1/);
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/api\/v1\/auth\/me"\}/,
    );
  });
});

describe('API documents', () => {
  it('serves the OpenAPI document generated from the procedures', async () => {
    const res = await fetch(`${app.baseUrl}/api/openapi.json`);
    const doc = await json(res);
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/auth/me',
        '/api/v1/users',
        '/api/v1/users/{id}/role',
      ]),
    );
    expect(doc.paths['/api/v1/auth/login'].post.security).toBeUndefined();
  });

  it('serves a docs page with its assets from local files', async () => {
    const page = await fetch(`${app.baseUrl}/api/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/docs/init.js');
    const bundle = await fetch(`${app.baseUrl}/api/docs/init.js`);
    expect(await bundle.text()).toContain('/api/openapi.json');
    const css = await fetch(`${app.baseUrl}/api/docs/assets/swagger-ui.css`);
    expect(css.status).toBe(200);
  });
});
