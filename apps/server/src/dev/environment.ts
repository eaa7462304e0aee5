import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { startEmbeddedPostgres } from '../db/embedded-postgres.ts';

/**
 * The development environment behind `make dev` and `make migrate`: `.env.example` defaults, then `.env`,
 * then the shell's variables; the database from docker compose when a Docker engine answers, else an
 * embedded PostgreSQL kept under `.data/`. This launcher is a separate program from the server: it builds
 * the server's environment and hands it over, and the server parses it once (config/config.ts).
 */
export interface DevEnvironment {
  env: Record<string, string>;
  mode: 'docker' | 'embedded';
  stop: () => Promise<void>;
}

const read = (file: string): Record<string, string> =>
  existsSync(file) ? (parseEnv(readFileSync(file, 'utf8')) as Record<string, string>) : {};

function dockerEngineRuns(): boolean {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    timeout: 5_000,
    stdio: 'ignore',
  });
  return result.status === 0;
}

function sessionSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

export async function prepareDevEnvironment(root: string): Promise<DevEnvironment> {
  const dataDir = path.join(root, '.data');
  mkdirSync(dataDir, { recursive: true });
  const fromShell = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => !!e[1]),
  );
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    ...read(path.join(root, '.env.example')),
    ...read(path.join(root, '.env')),
    ...fromShell,
  };
  env.SESSION_SECRET ??= sessionSecret(dataDir);
  env.LOCAL_ASSETS_PATH ??= path.join(dataDir, 'assets');

  if (env.DATABASE_URL) return { env, mode: 'docker', stop: async () => {} };

  if (dockerEngineRuns()) {
    console.log('Docker engine found: starting PostgreSQL and MinIO with docker compose');
    const up = spawnSync('docker', ['compose', 'up', '-d', '--wait'], { cwd: root, stdio: 'inherit' });
    if (up.status !== 0) throw new Error('docker compose up failed');
    env.DATABASE_URL = 'postgres://avatar:avatar@127.0.0.1:5432/avatar';
    env.ASSET_STORAGE_MODE ??= 's3';
    env.S3_ENDPOINT ??= 'http://127.0.0.1:9000';
    env.S3_ACCESS_KEY ??= 'avatar';
    env.S3_SECRET_KEY ??= 'avatar-secret';
    env.S3_BUCKET ??= 'avatar-assets';
    return { env, mode: 'docker', stop: async () => {} };
  }

  console.log(
    'No Docker engine: using embedded PostgreSQL (.data/postgres) and local-disk storage (.data/assets)',
  );
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'postgres'),
    port: Number(env.EMBEDDED_PG_PORT ?? 54329),
    persistent: true,
  });
  env.DATABASE_URL = pg.url;
  env.ASSET_STORAGE_MODE ??= 'local';
  return { env, mode: 'embedded', stop: pg.stop };
}
