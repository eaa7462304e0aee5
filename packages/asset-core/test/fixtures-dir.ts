import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The shared real-world GLB models every suite and benchmark reads (not part of this repository): the
 * folder in GLB_FIXTURES, else `shared/fixtures/glb` beside the checkout, else the machine's /work/shared.
 */
const candidates = [
  process.env.GLB_FIXTURES,
  fileURLToPath(new URL('../../../../shared/fixtures/glb', import.meta.url)),
  '/work/shared/fixtures/glb',
].filter((dir): dir is string => Boolean(dir));

const found = candidates.find((dir) => existsSync(path.join(dir, 'Box.glb')));
if (!found) {
  throw new Error(`GLB fixtures not found (looked in ${candidates.join(', ')}): set GLB_FIXTURES`);
}

export const FIXTURES_DIR: string = found;
/** The same folder as a file URL ending in `/`, for `new URL(name, FIXTURES)`. */
export const FIXTURES: URL = pathToFileURL(`${found}/`);
