import { unzlibSync } from 'fflate';

/**
 * A minimal binary FBX reader for tests: the node tree with decoded properties, so a test can look at
 * what the writer put where. Independent checks of the format come from Assimp; this only reads.
 */
export interface ReadNode {
  name: string;
  props: Array<number | bigint | boolean | string | Uint8Array | number[] | bigint[]>;
  children: ReadNode[];
}

export interface ReadFbx {
  version: number;
  nodes: ReadNode[];
  /** Bytes after the top-level null record. */
  footer: Uint8Array;
}

export function readFbx(bytes: Uint8Array): ReadFbx {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 21));
  if (magic !== 'Kaydara FBX Binary  \0' || bytes[21] !== 0x1a || bytes[22] !== 0)
    throw new Error('bad header');
  const version = view.getUint32(23, true);
  const wide = version >= 7500;
  const nullLength = wide ? 25 : 13;
  let at = 27;

  const word = () => {
    const value = wide ? Number(view.getBigUint64(at, true)) : view.getUint32(at, true);
    at += wide ? 8 : 4;
    return value;
  };
  const readList = (end: number): ReadNode[] => {
    const list: ReadNode[] = [];
    while (at < end) {
      const start = at;
      const endOffset = word();
      const count = word();
      const propertyBytes = word();
      if (endOffset === 0) {
        if (at - start + 1 !== nullLength || bytes[at] !== 0) throw new Error(`bad null record at ${start}`);
        at = start + nullLength;
        return list;
      }
      const nameLength = bytes[at]!;
      const name = new TextDecoder().decode(bytes.subarray(at + 1, at + 1 + nameLength));
      at += 1 + nameLength;
      const propsStart = at;
      const props: ReadNode['props'] = [];
      for (let i = 0; i < count; i++) props.push(readProperty());
      if (at - propsStart !== propertyBytes)
        throw new Error(`${name}: property bytes ${propertyBytes} != ${at - propsStart}`);
      const children = at < endOffset ? readList(endOffset) : [];
      if (at !== endOffset) throw new Error(`${name}: ends at ${at}, says ${endOffset}`);
      list.push({ name, props, children });
    }
    throw new Error('node list without a null record');
  };
  const readProperty = (): ReadNode['props'][number] => {
    const type = String.fromCharCode(bytes[at]!);
    at += 1;
    const take = <T>(n: number, get: () => T) => {
      const value = get();
      at += n;
      return value;
    };
    switch (type) {
      case 'C':
        return take(1, () => bytes[at] === 1);
      case 'Y':
        return take(2, () => view.getInt16(at, true));
      case 'I':
        return take(4, () => view.getInt32(at, true));
      case 'F':
        return take(4, () => view.getFloat32(at, true));
      case 'D':
        return take(8, () => view.getFloat64(at, true));
      case 'L':
        return take(8, () => view.getBigInt64(at, true));
      case 'S':
      case 'R': {
        const length = view.getUint32(at, true);
        const data = bytes.slice(at + 4, at + 4 + length);
        at += 4 + length;
        return type === 'S' ? new TextDecoder().decode(data) : data;
      }
      default: {
        const length = view.getUint32(at, true);
        const encoding = view.getUint32(at + 4, true);
        const stored = view.getUint32(at + 8, true);
        let data = bytes.slice(at + 12, at + 12 + stored);
        at += 12 + stored;
        if (encoding === 1) data = unzlibSync(data);
        const buffer = data.buffer;
        if (type === 'i') return [...new Int32Array(buffer, 0, length)];
        if (type === 'f') return [...new Float32Array(buffer, 0, length)];
        if (type === 'd') return [...new Float64Array(buffer, 0, length)];
        if (type === 'l') return [...new BigInt64Array(buffer, 0, length)];
        if (type === 'b') return [...new Uint8Array(buffer, 0, length)];
        throw new Error(`unknown property type ${type}`);
      }
    }
  };

  const nodes = readList(bytes.length);
  return { version, nodes, footer: bytes.subarray(at) };
}

export function child(n: ReadNode | undefined, name: string): ReadNode | undefined {
  return n?.children.find((c) => c.name === name);
}

export function childrenNamed(n: ReadNode | undefined, name: string): ReadNode[] {
  return n?.children.filter((c) => c.name === name) ?? [];
}

/** The value of a Properties70 entry `P: name, type, subtype, flags, values...`. */
export function property70(n: ReadNode | undefined, name: string): ReadNode['props'] | undefined {
  return childrenNamed(child(n, 'Properties70'), 'P')
    .find((p) => p.props[0] === name)
    ?.props.slice(4);
}
