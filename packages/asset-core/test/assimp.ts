import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';

const run = promisify(execFile);

/** What `assimp info` (Debian's assimp-utils, a reader written by others) says about a model file. */
export interface AssimpInfo {
  meshes: number;
  vertices: number;
  faces: number;
  materials: number;
  bones: number;
  min: number[];
  max: number[];
  /** Per mesh: name, vertices, bones, faces. */
  perMesh: Array<{ name: string; vertices: number; bones: number; faces: number }>;
  text: string;
}

/** `raw`: no post-processing (assimp then neither joins identical vertices nor triangulates). */
export async function assimpInfo(file: string, options: { raw?: boolean } = {}): Promise<AssimpInfo> {
  const { stdout } = await run('assimp', ['info', file, ...(options.raw ? ['-r'] : [])], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const number = (label: string) => {
    const match = new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(stdout);
    if (!match) throw new Error(`assimp info printed no "${label}":\n${stdout}`);
    return Number(match[1]);
  };
  const point = (label: string) =>
    (/\(([^)]+)\)/.exec(new RegExp(`^${label} point.*$`, 'm').exec(stdout)?.[0] ?? '')?.[1] ?? '')
      .split(/\s+/)
      .map(Number);
  const perMesh = [...stdout.matchAll(/^\s+\d+ \((.*)\): \[(\d+) \/ (\d+) \/ (\d+) \|/gm)].map((m) => ({
    name: m[1]!,
    vertices: Number(m[2]),
    bones: Number(m[3]),
    faces: Number(m[4]),
  }));
  return {
    meshes: number('Meshes'),
    vertices: number('Vertices'),
    faces: number('Faces'),
    materials: number('Materials'),
    bones: number('Bones'),
    min: point('Minimum'),
    max: point('Maximum'),
    perMesh,
    text: stdout,
  };
}

/** Unzips into a fresh temp folder; call `remove` when done. */
export function unzipToTemp(zip: Uint8Array): { dir: string; files: string[]; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'export-zip-'));
  const entries = unzipSync(zip);
  for (const [path, bytes] of Object.entries(entries)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  return { dir, files: Object.keys(entries), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
