import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { prepareDevEnvironment } from '../src/dev/environment.ts';

// `make migrate-assets ARGS="..."`: migrate-assets-to-catalog.ts against the database and storage `make dev`
// uses (as `make migrate` does). Elsewhere run that script directly, with the deployment's environment.
const root = path.resolve(import.meta.dirname, '../../..');
const dev = await prepareDevEnvironment(root);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', 'apps/server/scripts/migrate-assets-to-catalog.ts', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: dev.env },
);
await dev.stop();
process.exit(result.status ?? 1);
