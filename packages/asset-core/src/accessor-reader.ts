import { type GLTF, MathUtils } from '@gltf-transform/core';
import { AssetCoreError } from './errors.ts';
import { isRecord } from './glb-container.ts';
import { registerImageFormats } from './measure-glb.ts';

type Json = Record<string, unknown>;

const ELEMENT_SIZE: Record<string, number> = {
  SCALAR: 1,
  VEC2: 2,
  VEC3: 3,
  VEC4: 4,
  MAT2: 4,
  MAT3: 9,
  MAT4: 16,
};
const COMPONENT_BYTES: Record<number, number> = { 5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4 };

/** `describeGlb`'s reader: accessor data where it lies in the BIN chunk, every range checked against the file. */
export class AccessorReader {
  private readonly accessors: unknown[];
  private readonly bufferViews: unknown[];
  /** Each accessor's view, made once: `describeGlb` checks them all before anything reads one. */
  private readonly views: Array<AccessorView | undefined> = [];
  private readonly data: DataView;

  constructor(
    json: Json,
    private readonly bin: Uint8Array | null,
  ) {
    this.accessors = list(json.accessors);
    this.bufferViews = list(json.bufferViews);
    const bytes = bin ?? new Uint8Array(0);
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    registerImageFormats();
  }

  /** The element count the reader would give, without reading anything. */
  count(index: unknown): number {
    if (typeof index !== 'number') return 0;
    const count = record(this.accessors[index]).count;
    return typeof count === 'number' && Number.isSafeInteger(count) && count > 0 ? count : 0;
  }

  /** The bytes of a buffer view, as the reader slices them for an image (cut short at the end of the file). */
  bufferView(index: unknown): Uint8Array | null {
    if (typeof index !== 'number' || !this.bin) return null;
    const view = record(this.bufferViews[index]);
    const start = typeof view.byteOffset === 'number' ? view.byteOffset : 0;
    const length = typeof view.byteLength === 'number' ? view.byteLength : 0;
    return this.bin.subarray(
      Math.min(start, this.bin.byteLength),
      Math.min(start + length, this.bin.byteLength),
    );
  }

  /** True when the accessor can be read: a known type, and all of its data inside its view and the file. */
  resolves(index: number): boolean {
    return this.view(index) !== null;
  }

  /** The accessor's data; an `unreadable()` error when it cannot be read. */
  accessor(index: unknown): AccessorView {
    const view = this.view(index);
    if (!view) throw unreadable();
    return view;
  }

  private view(index: unknown): AccessorView | null {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) return null;
    const made = this.views[index];
    if (made) return made;
    const view = this.makeView(index);
    if (view) this.views[index] = view;
    return view;
  }

  private makeView(index: unknown): AccessorView | null {
    const def = record(typeof index === 'number' ? this.accessors[index] : undefined);
    const size = ELEMENT_SIZE[def.type as string];
    const componentType = def.componentType as number;
    const componentBytes = COMPONENT_BYTES[componentType];
    const count = def.count;
    const view = record(typeof def.bufferView === 'number' ? this.bufferViews[def.bufferView] : undefined);
    if (!size || !componentBytes || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      return null;
    }
    const stride = typeof view.byteStride === 'number' ? view.byteStride : size * componentBytes;
    const viewStart = typeof view.byteOffset === 'number' ? view.byteOffset : 0;
    const viewLength = typeof view.byteLength === 'number' ? view.byteLength : 0;
    const start = viewStart + (typeof def.byteOffset === 'number' ? def.byteOffset : 0);
    const end = count === 0 ? start : start + (count - 1) * stride + size * componentBytes;
    if (
      count > 0 &&
      (stride <= 0 || end > viewStart + viewLength || viewStart + viewLength > this.data.byteLength)
    ) {
      return null;
    }
    const normalized = def.normalized === true;
    return new AccessorView(this.data, count, componentType, componentBytes, normalized, start, stride);
  }
}

/** One accessor's elements, read in place (a class, not closures: one is made per accessor per upload). */
export class AccessorView {
  constructor(
    private readonly data: DataView,
    readonly count: number,
    private readonly componentType: number,
    private readonly componentBytes: number,
    private readonly normalized: boolean,
    /** Byte offset of the first element in the BIN chunk, and from one element to the next. */
    private readonly start: number,
    private readonly stride: number,
  ) {}

  /** Component `j` of element `i` as `Accessor#getElement` gives it (normalized integers decoded). */
  get(i: number, j: number): number {
    const value = this.raw(i, j);
    return this.normalized
      ? MathUtils.decodeNormalizedInt(value, this.componentType as GLTF.AccessorComponentType)
      : value;
  }

  /** The stored value, as `Accessor#getMin` reads it. */
  raw(i: number, j: number): number {
    const offset = this.start + i * this.stride + j * this.componentBytes;
    switch (this.componentType) {
      case 5120:
        return this.data.getInt8(offset);
      case 5121:
        return this.data.getUint8(offset);
      case 5122:
        return this.data.getInt16(offset, true);
      case 5123:
        return this.data.getUint16(offset, true);
      case 5125:
        return this.data.getUint32(offset, true);
      default:
        return this.data.getFloat32(offset, true);
    }
  }
}

/** What `describeGlb` answers for anything it cannot read: it then leaves the file to glTF-Transform's reader. */
export function unreadable(): AssetCoreError {
  return new AssetCoreError('GLB_UNREADABLE', 'The asset could not be read; validate it to see why.');
}

function record(value: unknown): Json {
  return isRecord(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
