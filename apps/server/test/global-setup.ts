import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

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

/** One PostgreSQL for the whole run: DATABASE_URL when set, else an embedded one removed afterwards. */
export default async function setup(project: TestProject) {
  const given = process.env.DATABASE_URL;
  if (given) {
    project.provide('adminDatabaseUrl', given);
    return;
  }
  const root = mkdtempSync(path.join(tmpdir(), 'avatar-test-pg-'));
  try {
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(root, 'data'),
      port: await freePort(),
      persistent: false,
    });
    project.provide('adminDatabaseUrl', pg.url);
    return async () => {
      await pg.stop();
      rmSync(root, { recursive: true, force: true });
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
