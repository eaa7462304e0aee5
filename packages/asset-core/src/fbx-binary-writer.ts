import { zlibSync } from 'fflate';

/**
 * A writer for the binary FBX container (7.4 with 32-bit offsets, 7.5 with 64-bit ones). Hand-written:
 * no maintained JavaScript library writes FBX. The layout follows the format as other readers and
 * writers document it (Blender's `encode_bin.py`, Assimp's `FBXBinaryTokenizer.cpp`):
 *
 *   header   "Kaydara FBX Binary  \0" 0x1A 0x00, uint32 version
 *   node     end offset (absolute), property count, property bytes, uint8 name length, name,
 *            properties, child nodes, then a null record when there are children
 *   list end a null record (13 zero bytes in 7.4, 25 in 7.5) after every node list, the top level too
 *   footer   the fixed footer FBX SDK files end with
 */

export type FbxProperty =
  | { type: 'C'; value: boolean }
  | { type: 'Y' | 'I' | 'F' | 'D'; value: number }
  | { type: 'L'; value: bigint }
  | { type: 'S'; value: string }
  | { type: 'R'; value: Uint8Array }
  | { type: 'i'; value: Int32Array }
  | { type: 'l'; value: BigInt64Array }
  | { type: 'f'; value: Float32Array }
  | { type: 'd'; value: Float64Array }
  | { type: 'b'; value: Uint8Array };

export interface FbxNode {
  name: string;
  properties: FbxProperty[];
  children: FbxNode[];
}

/** Property constructors, so the document builder reads as FBX reads. */
export const fbx = {
  bool: (value: boolean): FbxProperty => ({ type: 'C', value }),
  int16: (value: number): FbxProperty => ({ type: 'Y', value }),
  int32: (value: number): FbxProperty => ({ type: 'I', value }),
  float32: (value: number): FbxProperty => ({ type: 'F', value }),
  float64: (value: number): FbxProperty => ({ type: 'D', value }),
  int64: (value: bigint | number): FbxProperty => ({ type: 'L', value: BigInt(value) }),
  string: (value: string): FbxProperty => ({ type: 'S', value }),
  raw: (value: Uint8Array): FbxProperty => ({ type: 'R', value }),
  int32s: (value: Int32Array | number[]): FbxProperty => ({ type: 'i', value: Int32Array.from(value) }),
  int64s: (value: BigInt64Array): FbxProperty => ({ type: 'l', value }),
  float32s: (value: Float32Array): FbxProperty => ({ type: 'f', value }),
  float64s: (value: Float64Array | number[]): FbxProperty => ({ type: 'd', value: Float64Array.from(value) }),
};

/** A node from a name, its properties and its children. */
export function node(name: string, properties: FbxProperty[] = [], children: FbxNode[] = []): FbxNode {
  return { name, properties, children };
}

export interface WriteFbxBinaryOptions {
  /** 7400 (32-bit offsets) or 7500 (64-bit offsets). */
  version: 7400 | 7500;
  /**
   * Arrays of at least this many bytes are zlib-compressed (encoding 1), as FBX SDK and Blender do;
   * `Infinity` writes every array raw.
   */
  compressArraysFrom: number;
  /**
   * zlib (RFC 1950) compression. Default: fflate's, pure JavaScript, so the writer runs in browsers;
   * Node passes its native zlib in, about five times faster.
   */
  deflate: (data: Uint8Array) => Uint8Array;
}

export const WRITE_FBX_BINARY_DEFAULTS: Readonly<WriteFbxBinaryOptions> = Object.freeze({
  version: 7400,
  compressArraysFrom: 128,
  deflate: (data: Uint8Array) => zlibSync(data, { level: 1 }),
});

const MAGIC = 'Kaydara FBX Binary  \0';
// Constants of the footer as FBX SDK writes it (Blender writes the same bytes); readers ignore it.
const FOOTER_ID = [
  0xfa, 0xbc, 0xab, 0x09, 0xd0, 0xc8, 0xd4, 0x66, 0xb1, 0x76, 0xfb, 0x83, 0x1c, 0xf7, 0x26, 0x7e,
];
const FOOTER_MAGIC = [
  0xf8, 0x5a, 0x8c, 0x6a, 0xde, 0xf5, 0xd9, 0x7e, 0xec, 0xe9, 0x0c, 0xe3, 0x75, 0x8f, 0x29, 0x0b,
];

const utf8 = new TextEncoder();

/** Serialises top-level nodes into a complete binary FBX file. */
export function writeFbxBinary(nodes: FbxNode[], options: Partial<WriteFbxBinaryOptions> = {}): Uint8Array {
  const opts = { ...WRITE_FBX_BINARY_DEFAULTS, ...options };
  const wide = opts.version >= 7500;
  const nullRecord = wide ? 25 : 13;
  const encoded = nodes.map((n) => encodeNode(n, opts));
  const bodySize = 27 + sizeOfList(encoded, wide, nullRecord) + nullRecord;
  // The footer pads to a 16-byte boundary after its id, by a full 16 bytes when already aligned.
  const misalignment = (bodySize + 20) % 16;
  const padding = misalignment === 0 ? 16 : 16 - misalignment;
  const total = bodySize + 20 + padding + 4 + 120 + 16;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);

  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  out[21] = 0x1a;
  out[22] = 0x00;
  view.setUint32(23, opts.version, true);
  let at = writeList(encoded, out, view, 27, wide);
  at += nullRecord; // zeros already
  out.set(FOOTER_ID, at);
  at += 16 + 4 + padding;
  view.setUint32(at, opts.version, true);
  out.set(FOOTER_MAGIC, at + 4 + 120);
  return out;
}

interface EncodedNode {
  name: Uint8Array;
  count: number;
  properties: Uint8Array[];
  propertyBytes: number;
  children: EncodedNode[];
  /** Bytes of the whole record, its children and null record included. */
  size: number;
}

function encodeNode(source: FbxNode, opts: WriteFbxBinaryOptions): EncodedNode {
  const name = utf8.encode(source.name);
  if (name.length > 255) throw new RangeError(`FBX node name too long: ${source.name.slice(0, 32)}...`);
  const properties = source.properties.map((p) => encodeProperty(p, opts));
  const propertyBytes = properties.reduce((sum, p) => sum + p.length, 0);
  const children = source.children.map((c) => encodeNode(c, opts));
  return { name, count: properties.length, properties, propertyBytes, children, size: 0 };
}

/** Sizes every record of a list (recursively) and answers the list's bytes, without its null record. */
function sizeOfList(list: EncodedNode[], wide: boolean, nullRecord: number): number {
  let total = 0;
  list.forEach((n, i) => {
    const header = (wide ? 24 : 12) + 1 + n.name.length;
    const children = sizeOfList(n.children, wide, nullRecord);
    n.size =
      header + n.propertyBytes + children + (needsNullRecord(n, i === list.length - 1) ? nullRecord : 0);
    total += n.size;
  });
  return total;
}

/**
 * A node with children ends with a null record; so does an empty node that is not the last of its
 * list (Blender's rule: it tells `P:` apart from `P: {}` for readers that care).
 */
function needsNullRecord(n: EncodedNode, last: boolean): boolean {
  return n.children.length > 0 || (n.count === 0 && !last);
}

function writeList(
  list: EncodedNode[],
  out: Uint8Array,
  view: DataView,
  start: number,
  wide: boolean,
): number {
  let at = start;
  for (const n of list) {
    const end = at + n.size;
    if (wide) {
      view.setBigUint64(at, BigInt(end), true);
      view.setBigUint64(at + 8, BigInt(n.count), true);
      view.setBigUint64(at + 16, BigInt(n.propertyBytes), true);
      at += 24;
    } else {
      if (end > 0xffffffff) throw new RangeError('FBX 7.4 cannot address more than 4 GB: use version 7500');
      view.setUint32(at, end, true);
      view.setUint32(at + 4, n.count, true);
      view.setUint32(at + 8, n.propertyBytes, true);
      at += 12;
    }
    out[at] = n.name.length;
    out.set(n.name, at + 1);
    at += 1 + n.name.length;
    for (const p of n.properties) {
      out.set(p, at);
      at += p.length;
    }
    at = writeList(n.children, out, view, at, wide);
    at = end; // the null record, when there is one, is zeros already
  }
  return at;
}

function encodeProperty(p: FbxProperty, opts: WriteFbxBinaryOptions): Uint8Array {
  switch (p.type) {
    case 'C':
      return scalar('C', 1, (v) => v.setUint8(0, p.value ? 1 : 0));
    case 'Y':
      return scalar('Y', 2, (v) => v.setInt16(0, p.value, true));
    case 'I':
      return scalar('I', 4, (v) => v.setInt32(0, p.value, true));
    case 'F':
      return scalar('F', 4, (v) => v.setFloat32(0, p.value, true));
    case 'D':
      return scalar('D', 8, (v) => v.setFloat64(0, p.value, true));
    case 'L':
      return scalar('L', 8, (v) => v.setBigInt64(0, p.value, true));
    case 'S':
      return sized('S', utf8.encode(p.value));
    case 'R':
      return sized('R', p.value);
    default:
      return encodeArray(p.type, p.value, opts);
  }
}

function scalar(type: string, bytes: number, set: (view: DataView) => void): Uint8Array {
  const out = new Uint8Array(1 + bytes);
  out[0] = type.charCodeAt(0);
  set(new DataView(out.buffer, 1));
  return out;
}

function sized(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + data.length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setUint32(1, data.length, true);
  out.set(data, 5);
  return out;
}

function encodeArray(
  type: 'i' | 'l' | 'f' | 'd' | 'b',
  values: Int32Array | BigInt64Array | Float32Array | Float64Array | Uint8Array,
  opts: WriteFbxBinaryOptions,
): Uint8Array {
  // Typed arrays are in platform order; FBX is little-endian, and so is every platform Node and browsers run on.
  let data = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const compress = data.length >= opts.compressArraysFrom;
  if (compress) data = opts.deflate(data);
  const out = new Uint8Array(13 + data.length);
  const view = new DataView(out.buffer);
  out[0] = type.charCodeAt(0);
  view.setUint32(1, values.length, true);
  view.setUint32(5, compress ? 1 : 0, true);
  view.setUint32(9, data.length, true);
  out.set(data, 13);
  return out;
}
