import { readGlbContainer } from './glb-container.ts';

/**
 * Rewrites a GLB's JSON chunk smaller without changing what it means: numbers outside `extras` are
 * printed with the fewest digits that read back as the same 32-bit float (engines hold them as float32;
 * glTF-Transform prints doubles: `0.03999999910593033` for `0.04`), and properties equal to the spec's
 * default are dropped. On a skinned, animated avatar the JSON is a fifth of the compressed file.
 * `extras` is application data and stays exactly as written.
 */
export function compactGlbJson(glb: Uint8Array): Uint8Array {
  const read = readGlbContainer(glb);
  if (!read.ok) throw new Error(`compactGlbJson: ${read.issue.message}`);
  const json = read.container.json;
  dropDefaults(json);
  const text = new TextEncoder().encode(JSON.stringify(shorten(json)));
  const jsonLength = align4(text.length);
  const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
  const oldJsonEnd = 20 + view.getUint32(12, true);
  const rest = glb.subarray(oldJsonEnd); // the BIN chunk, with its header, as it was
  const out = new Uint8Array(20 + jsonLength + rest.length);
  const header = new DataView(out.buffer);
  header.setUint32(0, 0x46546c67, true); // 'glTF'
  header.setUint32(4, 2, true);
  header.setUint32(8, out.length, true);
  header.setUint32(12, jsonLength, true);
  header.setUint32(16, 0x4e4f534a, true); // 'JSON'
  out.fill(0x20, 20, 20 + jsonLength); // the spec pads JSON with spaces
  out.set(text, 20);
  out.set(rest, 20 + jsonLength);
  return out;
}

/** The shortest decimal that reads back as the same float32 as `value`; integers stay as they are. */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  const single = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return single;
}

function shorten(value: unknown, key?: string): unknown {
  if (key === 'extras') return value;
  if (typeof value === 'number') return shortestFloat32(value);
  if (Array.isArray(value)) return value.map((item) => shorten(item));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shorten(v, k);
    return out;
  }
  return value;
}

type Json = Record<string, unknown>;
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

function dropDefaults(json: Json): void {
  for (const accessor of list(json.accessors)) {
    if (accessor.normalized === false) delete accessor.normalized;
    if (accessor.byteOffset === 0) delete accessor.byteOffset;
  }
  for (const view of list(json.bufferViews)) if (view.byteOffset === 0) delete view.byteOffset;
  for (const mesh of list(json.meshes)) {
    for (const primitive of list(mesh.primitives)) if (primitive.mode === 4) delete primitive.mode;
  }
  for (const animation of list(json.animations)) {
    for (const sampler of list(animation.samplers)) {
      if (sampler.interpolation === 'LINEAR') delete sampler.interpolation;
    }
  }
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
