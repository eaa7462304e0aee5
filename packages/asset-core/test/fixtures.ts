import { readFileSync } from 'node:fs';
import { Document, WebIO } from '@gltf-transform/core';
import { PrimitiveMode } from '../src/primitive-mode.ts';
import { FIXTURES } from './fixtures-dir.ts';

export type FixtureName = 'Box' | 'CesiumMan' | 'Fox' | 'RobotExpressive' | 'chr_knight';

export function readFixture(name: FixtureName): Uint8Array {
  // A fresh, exactly-sized Uint8Array: Node's Buffer may sit inside a larger shared pool.
  return new Uint8Array(readFileSync(new URL(`${name}.glb`, FIXTURES)));
}

/** A GLB assembled by hand, so tests can write JSON chunks no exporter would. */
export function rawGlb(json: string | object, bin?: Uint8Array): Uint8Array {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  const jsonBytes = pad(new TextEncoder().encode(text), 0x20);
  const binBytes = bin ? pad(bin, 0) : null;
  const length = 12 + 8 + jsonBytes.length + (binBytes ? 8 + binBytes.length : 0);
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

function pad(bytes: Uint8Array, fill: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 4) * 4).fill(fill);
  out.set(bytes);
  return out;
}

/** The JSON chunk of a GLB, parsed, so a test can break one field of a real file. */
export function jsonOf(glb: Uint8Array): Record<string, unknown> {
  const length = new DataView(glb.buffer, glb.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(glb.subarray(20, 20 + length)));
}

/** The BIN chunk of a GLB (whatever follows the JSON chunk's 8-byte header). */
export function binOf(glb: Uint8Array): Uint8Array {
  const length = new DataView(glb.buffer, glb.byteOffset).getUint32(12, true);
  return glb.slice(20 + length + 8);
}

/** Deterministic noise, so a failing "random bytes" test fails the same way twice. */
export function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

export interface BuildOptions {
  /** One primitive per entry: mode and element (vertex) count, non-indexed. */
  primitives?: Array<{ mode: PrimitiveMode; vertices: number }>;
  joints?: number;
  morphTargets?: number;
}

/** A small valid GLB written by glTF-Transform, shaped by the options. */
export async function buildGlb(options: BuildOptions = {}): Promise<Uint8Array> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const mesh = doc.createMesh('mesh');
  const primitives = options.primitives ?? [{ mode: PrimitiveMode.TRIANGLES, vertices: 3 }];
  for (const { mode, vertices } of primitives) {
    // Points on a circle: distinct positions, so no triangle is degenerate and the validator stays quiet.
    const positions = new Float32Array(vertices * 3);
    for (let i = 0; i < vertices; i++) {
      positions[i * 3] = Math.cos((i / vertices) * Math.PI * 2);
      positions[i * 3 + 1] = Math.sin((i / vertices) * Math.PI * 2);
      positions[i * 3 + 2] = i / vertices;
    }
    const position = doc.createAccessor().setType('VEC3').setArray(positions).setBuffer(buffer);
    const primitive = doc.createPrimitive().setMode(mode).setAttribute('POSITION', position);
    for (let t = 0; t < (options.morphTargets ?? 0); t++) {
      const delta = doc
        .createAccessor()
        .setType('VEC3')
        .setArray(new Float32Array(vertices * 3).fill(0.01 * (t + 1)))
        .setBuffer(buffer);
      primitive.addTarget(doc.createPrimitiveTarget(`t${t}`).setAttribute('POSITION', delta));
    }
    mesh.addPrimitive(primitive);
  }
  const node = doc.createNode('body').setMesh(mesh);
  const scene = doc.createScene('scene').addChild(node);
  doc.getRoot().setDefaultScene(scene);
  if (options.joints) {
    const skin = doc.createSkin('skin');
    let parent = doc.createNode('joint0');
    scene.addChild(parent);
    skin.addJoint(parent);
    for (let j = 1; j < options.joints; j++) {
      const joint = doc.createNode(`joint${j}`).setTranslation([0, 0.1, 0]);
      parent.addChild(joint);
      skin.addJoint(joint);
      parent = joint;
    }
    const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    const matrices = new Float32Array(options.joints * 16);
    for (let j = 0; j < options.joints; j++) matrices.set(identity, j * 16);
    skin.setInverseBindMatrices(doc.createAccessor().setType('MAT4').setArray(matrices).setBuffer(buffer));
  }
  return new WebIO().writeBinary(doc);
}
