import { createServer } from 'node:net';
import type Pg from 'pg';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface Teardown {
  defer: (name: string, fn: () => unknown) => void;
  run: () => Promise<void>;
}

/** Teardown steps, run last-in first-out: on success, on failure, and on Ctrl-C or SIGTERM. */
export function createTeardown(log: (line: string) => void): Teardown {
  const steps: { name: string; fn: () => unknown }[] = [];
  let running: Promise<void> | null = null;
  const runSteps = () => {
    running ??= (async () => {
      for (const step of steps.reverse()) {
        try {
          await step.fn();
        } catch (error) {
          log(`teardown: ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return running;
  };
  // Ctrl-C reaches us twice (from the terminal and relayed by tsx): stay subscribed, clean up once.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void runSteps().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    defer: (name, fn) => {
      steps.push({ name, fn });
    },
    run: async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await runSteps();
    },
  };
}

/** Waits (bounded) until no query of an earlier run is still executing, so each run starts from quiet. */
export async function untilDatabaseIdle(client: Pg.ClientBase, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
       where state = 'active' and backend_type = 'client backend' and pid <> pg_backend_pid()`,
    );
    if (rows[0]?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Signs in over HTTP, as a client would, and answers the Bearer token. */
export async function signIn(origin: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${origin}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
