import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { TestApp } from '../../../test/helpers/app.ts';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const childScript = new URL('./fault-server.child.ts', import.meta.url);

export type FaultPoint = 'asset-written' | 'asset-mid-write' | 'version-copied' | 'export-written';

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resolves when the process has reached its fault point. */
  reachedFault: (ms?: number) => Promise<void>;
  /** SIGKILL by pid, and wait for the exit. */
  kill: () => Promise<void>;
  output: () => string;
}

/** A real API server process on the test app's database and storage, stopping at `fault` when given. */
export async function spawnServer(
  app: TestApp,
  fault?: FaultPoint,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', tsxLoader, childScript.pathname], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: app.database.url,
      SESSION_SECRET: app.config.SESSION_SECRET,
      PUBLIC_URL: app.config.PUBLIC_URL,
      ASSET_STORAGE_MODE: 'local',
      LOCAL_ASSETS_PATH: app.config.LOCAL_ASSETS_PATH,
      ...(fault ? { FAULT_AT: fault } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = async (pattern: RegExp, ms: number) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(output);
      if (match) return match;
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server process: no ${pattern} in time:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const port = (await waitFor(/LISTENING (\d+)/, 30_000))[1];
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    reachedFault: async (ms = 30_000) => void (await waitFor(/FAULT/, ms)),
    kill: async () => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
    output: () => output,
  };
}
