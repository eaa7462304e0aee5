import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { get } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test/helpers/app.ts';
import { eventually as poll } from '../test/helpers/eventually.ts';

const eventually = <T>(check: () => T | Promise<T>, ok: (value: T) => boolean, ms = 30_000) =>
  poll(check, ok, { ms, every: 100, context: () => output });

// `API_PROCESSES=2`: main.ts as an operator starts it, two processes on one port. What the operator relies
// on: requests are answered by both, a process that dies is replaced while the other keeps serving, and
// SIGTERM stops the whole group cleanly.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const mainScript = new URL('./main.ts', import.meta.url).pathname;

let app: TestApp;
let primary: ChildProcess;
let output = '';
let url: URL;

/** A request on a connection of its own, so that the operating system picks the process. */
const status = (path: string) =>
  new Promise<number | string>((resolve) => {
    const req = get(new URL(path, url), { agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error) => resolve(error.message));
    req.on('timeout', () => req.destroy(new Error('no answer in 5 s')));
  });

/** `http_requests_total` for GET /healthz answered 200, as `/metrics` reports it. */
const healthzCount = async () => {
  const text = await fetch(new URL('/metrics', url)).then((res) => res.text());
  const line = /^http_requests_total\{method="GET",route="\/healthz",status="200"\} (\d+)$/m.exec(text);
  return Number(line?.[1] ?? 0);
};

/** The primary's node children: the API processes (tsx's esbuild service is a child too). */
const children = (): number[] =>
  execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(primary.pid)], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'node')
    .map(([pid]) => Number(pid));

beforeAll(async () => {
  app = await startTestApp();
  primary = spawn(process.execPath, ['--import', tsxLoader, mainScript], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      API_PROCESSES: '2',
      DATABASE_URL: app.database.url,
      SESSION_SECRET: app.config.SESSION_SECRET,
      ASSET_STORAGE_MODE: 'local',
      LOCAL_ASSETS_PATH: app.config.LOCAL_ASSETS_PATH,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  primary.stdout?.on('data', (d) => {
    output += d;
  });
  primary.stderr?.on('data', (d) => {
    output += d;
  });
  const line = await eventually(
    () => /listening on (\S+) \(2 processes\)/.exec(output),
    (match) => match !== null || primary.exitCode !== null,
    60_000,
  );
  if (!line) throw new Error(`the process group did not start:\n${output}`);
  url = new URL(line[1] as string);
}, 90_000);

afterAll(async () => {
  if (primary && primary.exitCode === null) primary.kill('SIGKILL');
  await app?.close();
});

describe('API_PROCESSES=2', () => {
  it('starts two processes on one port and answers every request', async () => {
    expect(children()).toHaveLength(2);
    const answers = await Promise.all(Array.from({ length: 40 }, () => status('/healthz')));
    expect(answers.every((code) => code === 200)).toBe(true);
    expect(await status('/api/v1/auth/me')).toBe(401);
  });

  it('answers /metrics for the whole group, whichever process serves it', async () => {
    const before = await healthzCount();
    await Promise.all(Array.from({ length: 30 }, () => status('/healthz')));
    // Each process saw about half; the sum is what Prometheus must see.
    expect((await healthzCount()) - before).toBe(30);
  });

  it('replaces a process that dies while the other keeps serving', async () => {
    const [victim, survivor] = children();
    process.kill(victim as number, 'SIGKILL');
    // A connection handed to the process as it died is lost with it; once the primary has seen the death,
    // the survivor answers every request.
    await eventually(children, (pids) => !pids.includes(victim as number));
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 20; i++) expect(await status('/healthz')).toBe(200);
    const replaced = await eventually(
      children,
      (pids) => pids.length === 2 && !pids.includes(victim as number),
    );
    expect(replaced).toContain(survivor);
    // The new process serves too: enough fresh connections reach both.
    const answers = await Promise.all(Array.from({ length: 40 }, () => status('/healthz')));
    expect(answers.every((code) => code === 200)).toBe(true);
  }, 60_000);

  it('stops the whole group on SIGTERM, with exit code 0', async () => {
    const pids = children();
    const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 30_000);
});
