import { readFileSync } from 'node:fs';
import type { TestApp } from '../../../test/helpers/app.ts';
import { FIXTURES } from '../../../test/helpers/catalog.ts';

export const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

export const FIELDS = {
  type: 'hair',
  category: 'short',
  name: 'Test asset',
  version: '1.0.0',
  tags: 'red, Long ,red',
};

let keys = 0;
/** A key nobody has used yet in this test file. */
export const freshKey = (prefix = 'test') => `${prefix}/asset-${Date.now().toString(36)}-${++keys}`;

/** A multipart body as browsers send it: text fields first, then the file. */
export function uploadForm(
  file: Uint8Array | null,
  fields: Record<string, string> = {},
  filename = 'model.glb',
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...FIELDS, key: freshKey(), ...fields }))
    form.append(name, value);
  if (file) form.append('file', new Blob([file]), filename);
  return form;
}

export function postUpload(app: TestApp, token: string, form: FormData): Promise<Response> {
  return fetch(`${app.baseUrl}/resources/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

/** Everything that must stay unchanged after a refused upload: rows, stored objects, pending records. */
export async function snapshot(app: TestApp) {
  const db = app.database.db;
  const [rows, pending, assets, incoming] = await Promise.all([
    db.selectFrom('asset_catalog').select(['id', 'status']).orderBy('id').execute(),
    db.selectFrom('pending_uploads').select(['storage_key']).orderBy('storage_key').execute(),
    app.storage.list('assets/'),
    app.storage.list('incoming/'),
  ]);
  return {
    rows: rows.map((r) => `${r.id}:${r.status}`),
    pending: pending.map((p) => p.storage_key),
    objects: [...assets.items, ...incoming.items].map((i) => i.key).sort(),
  };
}

// --- Hand-made GLBs for the bad-input tests --------------------------------------------------------

const pad4 = (bytes: Uint8Array, fill: number) => {
  const out = new Uint8Array(Math.ceil(bytes.length / 4) * 4).fill(fill);
  out.set(bytes);
  return out;
};

/** A GLB assembled by hand, so tests can write JSON and lengths no exporter would. */
export function rawGlb(json: string | object, bin?: Uint8Array): Uint8Array {
  const jsonBytes = pad4(
    new TextEncoder().encode(typeof json === 'string' ? json : JSON.stringify(json)),
    0x20,
  );
  const binBytes = bin ? pad4(bin, 0) : null;
  const length = 20 + jsonBytes.length + (binBytes ? 8 + binBytes.length : 0);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x46546c67, true);
  view.setUint32(4, 2, true);
  view.setUint32(8, length, true);
  view.setUint32(12, jsonBytes.length, true);
  view.setUint32(16, 0x4e4f534a, true);
  out.set(jsonBytes, 20);
  if (binBytes) {
    const at = 20 + jsonBytes.length;
    view.setUint32(at, binBytes.length, true);
    view.setUint32(at + 4, 0x004e4942, true);
    out.set(binBytes, at + 8);
  }
  return out;
}

/** The JSON and BIN chunks of a GLB, so a test can break one field of a real file and reassemble it. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary glTF JSON to break it
export function splitGlb(glb: Uint8Array): { json: Record<string, any>; bin: Uint8Array } {
  const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
  const jsonLength = view.getUint32(12, true);
  const json = JSON.parse(new TextDecoder().decode(glb.subarray(20, 20 + jsonLength)));
  const binLength = view.getUint32(20 + jsonLength, true);
  const bin = glb.slice(28 + jsonLength, 28 + jsonLength + binLength);
  return { json, bin };
}

/** The 33 bytes of a PNG signature and IHDR chunk declaring `width` x `height` (the rest is not needed). */
export function pngHeader(width: number, height: number): Uint8Array {
  const out = new Uint8Array(33);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(out.buffer);
  view.setUint32(8, 13);
  out.set([0x49, 0x48, 0x44, 0x52], 12); // IHDR
  view.setUint32(16, width);
  view.setUint32(20, height);
  out.set([8, 6, 0, 0, 0], 24);
  return out;
}
