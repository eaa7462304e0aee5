import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { prepareDevEnvironment } from './environment.ts';

// `make migrate`: the same database `make dev` uses, brought up to date (or one step down with `down`).
const root = path.resolve(import.meta.dirname, '../../../..');
const dev = await prepareDevEnvironment(root);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', 'apps/server/src/db/migrate-cli.ts', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: dev.env },
);
await dev.stop();
process.exit(result.status ?? 1);
