import { spawn } from 'node:child_process';
import path from 'node:path';
import { prepareDevEnvironment } from './environment.ts';

// `make dev`: the database stays up while the server restarts on every change (tsx watch), and Vite
// serves the web app with hot reload on the same origin.
const root = path.resolve(import.meta.dirname, '../../../..');
const dev = await prepareDevEnvironment(root);
const server = spawn(
  path.join(root, 'node_modules/.bin/tsx'),
  ['watch', '--clear-screen=false', '--exclude', 'apps/web/**', 'apps/server/src/main.ts'],
  { cwd: root, stdio: 'inherit', env: { ...dev.env, WEB_DEV: 'true' } },
);

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  await dev.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
server.on('exit', (code) => void stop(code ?? 0));
