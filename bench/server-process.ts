import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { FromChild, ToChild } from './server-child.ts';

export interface ServerProcess {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

async function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());
  return Promise.race([once(child, 'exit').then(() => true), timer]);
}

/**
 * Forks server-child.ts (inheriting tsx's loader flags) and starts the server there with `env`. Its logs
 * go to our stderr: stdout carries the report only.
 */
export async function startServerProcess(
  env: Record<string, string>,
  { timeoutMs = 60_000, nodeFlags = [] as string[] } = {},
) {
  const child = fork(fileURLToPath(new URL('./server-child.ts', import.meta.url)), [], {
    stdio: ['ignore', 2, 2, 'ipc'],
    // e.g. ['--cpu-prof'] to see where the server's time goes under load; BENCH_SERVER_FLAGS adds flags to
    // every bench's server (`BENCH_SERVER_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`).
    execArgv: [
      ...process.execArgv,
      ...nodeFlags,
      ...(process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
  });
  const stop = async () => {
    if (child.connected) child.send({ type: 'stop' } satisfies ToChild);
    if (!(await exited(child, 15_000))) {
      child.kill('SIGKILL');
      await exited(child, 5_000);
    }
  };
  try {
    child.send({ type: 'start', env } satisfies ToChild);
    const answer = await Promise.race([
      once(child, 'message').then(([m]) => m as FromChild),
      once(child, 'exit').then(([code]): FromChild => ({ type: 'failed', message: `exited with ${code}` })),
      new Promise<FromChild>((resolve) =>
        setTimeout(() => resolve({ type: 'failed', message: 'did not start in time' }), timeoutMs).unref(),
      ),
    ]);
    if (answer.type !== 'ready') throw new Error(`the server process failed: ${answer.message}`);
    const server: ServerProcess = { url: answer.url, pid: child.pid ?? -1, stop };
    return server;
  } catch (error) {
    await stop();
    throw error;
  }
}
