/**
 * A unit cube GLB with a plain glTF PBR material, made in memory: the render page draws it once after
 * it has said it is ready, through the same loader as a real model, so the first job finds the loader's
 * code loaded and the common PBR shaders compiled (SwiftShader compiles its pixel routines on the first
 * draw that shades pixels: a closed shape, so some face is seen from any camera). Written by hand rather
 * than loaded from a file: a few lines, and nothing more to serve or fetch.
 */
export function warmUpModel(): Uint8Array {
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];
  for (const axis of [0, 1, 2]) {
    for (const sign of [1, -1]) {
      const normal = [0, 0, 0];
      normal[axis] = sign;
      const u = (axis + 1) % 3;
      const v = (axis + 2) % 3;
      const first = positions.length / 3;
      for (const [a, b] of [
        [-1, -1],
        [1, -1],
        [1, 1],
        [-1, 1],
      ] as const) {
        const corner = [0, 0, 0];
        corner[axis] = sign * 0.5;
        corner[u] = a * 0.5;
        corner[v] = b * 0.5 * sign;
        positions.push(...corner);
        normals.push(...normal);
      }
      indices.push(first, first + 1, first + 2, first, first + 2, first + 3);
    }
  }
  const floatBytes = (positions.length + normals.length) * 4;
  const bin = new Uint8Array(floatBytes + indices.length * 2);
  new Float32Array(bin.buffer, 0, positions.length + normals.length).set([...positions, ...normals]);
  new Uint16Array(bin.buffer, floatBytes, indices.length).set(indices);
  const half = positions.length * 4;
  const json = {
    asset: { version: '2.0' },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [{ mesh: 0 }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0, NORMAL: 1 }, indices: 2, material: 0 }] }],
    materials: [
      {
        pbrMetallicRoughness: {
          baseColorFactor: [0.8, 0.5, 0.3, 1],
          metallicFactor: 0,
          roughnessFactor: 0.6,
        },
      },
    ],
    buffers: [{ byteLength: bin.byteLength }],
    bufferViews: [
      { buffer: 0, byteOffset: 0, byteLength: half },
      { buffer: 0, byteOffset: half, byteLength: half },
      { buffer: 0, byteOffset: floatBytes, byteLength: indices.length * 2 },
    ],
    accessors: [
      {
        bufferView: 0,
        componentType: 5126,
        count: positions.length / 3,
        type: 'VEC3',
        min: [-0.5, -0.5, -0.5],
        max: [0.5, 0.5, 0.5],
      },
      { bufferView: 1, componentType: 5126, count: normals.length / 3, type: 'VEC3' },
      { bufferView: 2, componentType: 5123, count: indices.length, type: 'SCALAR' },
    ],
  };
  // GLB: a 12-byte header, then a JSON chunk padded with spaces and a BIN chunk, each 4-byte aligned.
  const text = JSON.stringify(json);
  const jsonLength = Math.ceil(text.length / 4) * 4;
  const total = 12 + 8 + jsonLength + 8 + bin.byteLength;
  const glb = new Uint8Array(total);
  const view = new DataView(glb.buffer);
  view.setUint32(0, 0x46546c67, true); // 'glTF'
  view.setUint32(4, 2, true);
  view.setUint32(8, total, true);
  view.setUint32(12, jsonLength, true);
  view.setUint32(16, 0x4e4f534a, true); // 'JSON'
  glb.set(new TextEncoder().encode(text.padEnd(jsonLength, ' ')), 20);
  view.setUint32(20 + jsonLength, bin.byteLength, true);
  view.setUint32(24 + jsonLength, 0x004e4942, true); // 'BIN'
  glb.set(bin, 28 + jsonLength);
  return glb;
}
