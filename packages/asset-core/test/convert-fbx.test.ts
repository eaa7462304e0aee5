import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { type Document, Document as GltfDocument, type mat4, type Node } from '@gltf-transform/core';
import {
  type Group,
  LoadingManager,
  type Mesh,
  type MeshPhongMaterial,
  type SkinnedMesh,
  Texture,
  Vector3,
} from 'three';
import { FBXLoader } from 'three/examples/jsm/loaders/FBXLoader.js';
import { afterAll, describe, expect, it } from 'vitest';
import { countGeometry } from '../src/count-geometry.ts';
import { writeFbxBinary } from '../src/fbx-binary-writer.ts';
import { composeAvatar, eulerXyzDegrees, fbxConverter, readGlb, toFbx, toGlb } from '../src/index.ts';
import { multiply } from '../src/mat4.ts';
import { PrimitiveMode } from '../src/primitive-mode.ts';
import { assimpInfo } from './assimp.ts';
import { child, childrenNamed, property70, type ReadNode, readFbx } from './fbx-reader.ts';
import { buildGlb, type FixtureName, readFixture } from './fixtures.ts';

const run = promisify(execFile);
const read = (name: FixtureName) => readGlb(readFixture(name));
const fixtures: FixtureName[] = ['Box', 'CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'];
const dir = mkdtempSync(join(tmpdir(), 'fbx-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function save(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** The parts of Assimp's JSON dump these tests read. Matrices are row-major. */
interface AssimpNode {
  name: string;
  transformation: number[];
  children?: AssimpNode[];
  meshes?: number[];
}
interface AssimpMesh {
  name: string;
  vertices: number[];
  bones?: Array<{ name: string; offsetmatrix: number[]; weights?: Array<[number, number]> }>;
}
interface AssimpScene {
  rootnode: AssimpNode;
  meshes: AssimpMesh[];
}

/** Assimp's own JSON dump of what it read (`assimp export FILE out.json -f assjson`). */
async function assimpJson(file: string): Promise<AssimpScene> {
  const out = `${file}.json`;
  await run('assimp', ['export', file, out, '-fassjson'], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(readFileSync(out, 'utf8'));
}

/** Every joint of the document's skins that carries weight, by skinned mesh node name. */
function weightedJoints(doc: Document): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const node of doc.getRoot().listNodes()) {
    const skin = node.getSkin();
    if (!skin || !node.getMesh()) continue;
    const names = new Set<string>();
    for (const primitive of node.getMesh()!.listPrimitives()) {
      const joints = primitive.getAttribute('JOINTS_0');
      const weights = primitive.getAttribute('WEIGHTS_0');
      if (!joints || !weights) continue;
      const j: number[] = [];
      const w: number[] = [];
      for (let v = 0; v < joints.getCount(); v++) {
        joints.getElement(v, j);
        weights.getElement(v, w);
        for (let k = 0; k < 4; k++) if (w[k]! > 0) names.add(skin.listJoints()[j[k]!]!.getName());
      }
    }
    out.set(node.getName(), names);
  }
  return out;
}

// Assimp runs as a child process: allow for a busy machine.
describe('toFbx, read back by Assimp', { timeout: 30_000 }, () => {
  it.each(fixtures)('%s: same triangles, about the same vertices, materials, textures', async (name) => {
    const doc = await read(name);
    const fbxFile = save(`${name}.fbx`, toFbx(doc));
    const stored = countGeometry(doc.getRoot().listMeshes());

    // The same reader on the source, tangents removed because the FBX does not carry them (Assimp
    // would otherwise split vertices by tangent on one side only).
    const source = await read(name);
    for (const mesh of source.getRoot().listMeshes()) {
      for (const primitive of mesh.listPrimitives()) primitive.setAttribute('TANGENT', null);
    }
    const gltf = await assimpInfo(save(`${name}.glb`, await toGlb(source)));
    const fbx = await assimpInfo(fbxFile);

    expect(fbx.faces).toBe(gltf.faces);
    expect(fbx.materials).toBe(gltf.materials);
    // Assimp's FBX reader makes one vertex per polygon corner, then its post-processing joins identical
    // ones. The counts then match up to Assimp's generated tangents, which it computes on indexed glTF
    // vertices but on unindexed FBX corners (CesiumMan: 2711 against 2696).
    expect(Math.abs(fbx.vertices - gltf.vertices) / gltf.vertices).toBeLessThan(0.01);
    const raw = await assimpInfo(fbxFile, { raw: true });
    expect(raw.faces).toBe(stored.triangles);
    expect(raw.vertices).toBe(3 * stored.triangles);

    // Textures travel inside the file.
    const images = doc
      .getRoot()
      .listTextures()
      .filter((t) =>
        doc
          .getRoot()
          .listMaterials()
          .some((m) => m.getBaseColorTexture() === t),
      );
    expect(Number(/^Textures \(embed\.\):\s+(\d+)/m.exec(fbx.text)?.[1])).toBe(images.length);
  });

  it.each(['Box', 'CesiumMan', 'chr_knight'] as const)(
    '%s: the same world bounds, so node transforms survive',
    async (name) => {
      const gltf = await assimpInfo(save(`${name}-bounds.glb`, readFixture(name)));
      const fbx = await assimpInfo(save(`${name}-bounds.fbx`, toFbx(await read(name))));
      for (let k = 0; k < 3; k++) {
        expect(fbx.min[k]).toBeCloseTo(gltf.min[k]!, 4);
        expect(fbx.max[k]).toBeCloseTo(gltf.max[k]!, 4);
      }
    },
  );

  it.each(['Fox', 'RobotExpressive'] as const)(
    '%s: skeleton, bones with weights summing to 1, and the same skinned shape',
    async (name) => {
      const doc = await read(name);
      const file = save(`${name}-skin.fbx`, toFbx(doc));
      const info = await assimpInfo(file);
      const expected = weightedJoints(doc);
      expect(info.bones).toBeGreaterThan(0);
      for (const meshName of expected.keys()) {
        expect(info.perMesh.filter((m) => m.name === meshName).every((m) => m.bones > 0)).toBe(true);
      }

      const scene = await assimpJson(file);
      const nodes = flattenNodes(scene.rootnode);
      // The whole skeleton is there as a node hierarchy, with the glTF's joint names and parents.
      for (const joint of doc
        .getRoot()
        .listSkins()
        .flatMap((s) => s.listJoints())) {
        const found = nodes.get(joint.getName());
        expect(found, joint.getName()).toBeDefined();
        expect(found!.parent).toBe(joint.getParentNode()?.getName() ?? null);
        expectMatrixClose(found!.world, rowMajor(joint.getWorldMatrix()));
      }
      for (const [meshName, joints] of expected) {
        const meshes = scene.meshes.filter((m) => m.name === meshName);
        expect(meshes.length).toBeGreaterThan(0);
        for (const mesh of meshes) {
          const bones = (mesh.bones ?? []).filter((b) => b.weights?.length);
          for (const bone of bones) expect(joints.has(bone.name), bone.name).toBe(true);
          const sums = new Float64Array(mesh.vertices.length / 3);
          for (const bone of bones) for (const [v, w] of bone.weights!) sums[v]! += w;
          for (const sum of sums) expect(sum).toBeCloseTo(1, 4);
        }
        const weighted = meshes.flatMap((m) => (m.bones ?? []).filter((b) => b.weights?.length));
        expect(new Set(weighted.map((b) => b.name))).toEqual(joints);
      }
      // Skinned as Assimp reads it (bone world x offset matrix) lands where glTF skinning puts it.
      const gltfBounds = skinnedBoundsGltf(doc);
      const fbxBounds = skinnedBoundsAssimp(scene, nodes, [...expected.keys()]);
      for (let k = 0; k < 3; k++) {
        expect(fbxBounds.min[k]).toBeCloseTo(gltfBounds.min[k]!, 3);
        expect(fbxBounds.max[k]).toBeCloseTo(gltfBounds.max[k]!, 3);
      }
    },
  );

  it('writes the composed avatar: every triangle, the robot’s bones, the parts at their sockets', async () => {
    const robot = await read('RobotExpressive');
    await composeAvatar(robot, {
      parts: [
        { slot: 'hair', document: await read('Box'), socket: { role: 'head' } },
        { slot: 'top', document: await read('chr_knight'), socket: { role: 'chest' } },
      ],
      colors: { Main: '#3366ff' },
      morphs: { Surprised: 0.8 },
    });
    const triangles = countGeometry(robot.getRoot().listMeshes()).triangles;
    const file = save('composed.fbx', await fbxConverter.convert(robot));
    const info = await assimpInfo(file);
    expect(info.faces).toBe(triangles);
    expect(info.bones).toBeGreaterThan(0);
    const nodes = flattenNodes((await assimpJson(file)).rootnode);
    expect(nodes.get('hair')?.parent).toBe('Head');
    expect(nodes.get('top')).toBeDefined();
  });

  it('is read by Assimp as FBX 7.5 too (64-bit offsets)', async () => {
    const file = save('box-7500.fbx', toFbx(await read('Box'), { version: 7500 }));
    expect((await assimpInfo(file)).faces).toBe(12);
  });
});

/** three.js's FBXLoader: a second reader by others, which binds bones by TransformLink (Assimp by Transform). */
function readWithThree(bytes: Uint8Array): Group {
  const manager = new LoadingManager();
  // Images are not decoded in Node: a stub loader answers an empty texture for the embedded file names.
  const images = { path: '', setPath: () => images, load: () => new Texture() };
  manager.addHandler(/\.(png|jpe?g|webp|ktx2)$/i, images as never);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const group = new FBXLoader(manager).parse(buffer, '');
  group.updateMatrixWorld(true);
  return group;
}

describe('toFbx, read back by three.js', { timeout: 30_000 }, () => {
  it.each([...fixtures, 'Fox posed away from its bind pose'])(
    '%s: every triangle; skinned meshes land where glTF skinning puts them',
    async (name) => {
      const doc = await read(name.split(' ')[0] as FixtureName);
      if (name.includes('posed')) {
        // Bind data must come from the inverse bind matrices, not from the rest pose the nodes are in.
        const turn = [Math.sin(0.35), 0, 0, Math.cos(0.35)] as [number, number, number, number];
        for (const node of doc.getRoot().listNodes()) {
          if (['b_Spine02', 'b_Tail01', 'b_LeftLeg01'].includes(node.getName())) node.setRotation(turn);
        }
      }
      const group = readWithThree(toFbx(doc));
      const meshes: Mesh[] = [];
      group.traverse((o) => {
        if ((o as Mesh).isMesh) meshes.push(o as Mesh);
      });
      // three.js unindexes FBX polygons: three positions per triangle.
      const corners = (m: Mesh) => m.geometry.index?.count ?? m.geometry.attributes.position!.count;
      const triangles = meshes.reduce((sum, m) => sum + corners(m) / 3, 0);
      expect(triangles).toBe(countGeometry(doc.getRoot().listMeshes()).triangles);

      const skinned = meshes.filter((m): m is SkinnedMesh => (m as SkinnedMesh).isSkinnedMesh);
      expect(skinned.map((m) => m.name).sort()).toEqual([...weightedJoints(doc).keys()].sort());
      if (skinned.length === 0) return;
      const bounds = empty();
      const v = new Vector3();
      for (const mesh of skinned) {
        mesh.skeleton.update();
        for (let i = 0; i < mesh.geometry.attributes.position!.count; i++) {
          grow(bounds, mesh.getVertexPosition(i, v).applyMatrix4(mesh.matrixWorld).toArray());
        }
      }
      const expected = skinnedBoundsGltf(doc);
      for (let k = 0; k < 3; k++) {
        expect(bounds.min[k]).toBeCloseTo(expected.min[k]!, 3);
        expect(bounds.max[k]).toBeCloseTo(expected.max[k]!, 3);
      }
    },
  );

  it('gives the textured material its map', async () => {
    const group = readWithThree(toFbx(await read('CesiumMan')));
    const materials: MeshPhongMaterial[] = [];
    group.traverse((o) => {
      if ((o as Mesh).isMesh) materials.push((o as Mesh).material as MeshPhongMaterial);
    });
    expect(materials).toHaveLength(1);
    expect(materials[0]!.map).toBeInstanceOf(Texture);
  });
});

// Assimp runs as a child process: allow for a busy machine.
describe('the FBX document', { timeout: 30_000 }, () => {
  const objectsOf = (bytes: Uint8Array) => child(topLevel(bytes), 'Objects')!.children;
  const topLevel = (bytes: Uint8Array): ReadNode => ({ name: '', props: [], children: readFbx(bytes).nodes });

  it('has the binary header, Y up in metres, and ends with the footer', async () => {
    const bytes = toFbx(await read('Box'));
    expect(new TextDecoder().decode(bytes.subarray(0, 20))).toBe('Kaydara FBX Binary  ');
    expect([...bytes.subarray(20, 23)]).toEqual([0, 0x1a, 0]);
    expect(new DataView(bytes.buffer).getUint32(23, true)).toBe(7400);
    const file = readFbx(bytes);
    expect(file.nodes.map((n) => n.name)).toEqual([
      'FBXHeaderExtension',
      'FileId',
      'CreationTime',
      'Creator',
      'GlobalSettings',
      'Documents',
      'References',
      'Definitions',
      'Objects',
      'Connections',
      'Takes',
    ]);
    const settings = file.nodes.find((n) => n.name === 'GlobalSettings');
    expect(property70(settings, 'UpAxis')).toEqual([1]);
    expect(property70(settings, 'FrontAxis')).toEqual([2]);
    expect(property70(settings, 'UnitScaleFactor')).toEqual([100]);
    // Footer: id, 4 zeros, zeros up to a 16-byte boundary, version, 120 zeros, magic.
    expect((bytes.length - 140) % 16).toBe(0);
    expect([...file.footer.subarray(0, 4)]).toEqual([0xfa, 0xbc, 0xab, 0x09]);
    expect([...file.footer.subarray(-16, -12)]).toEqual([0xf8, 0x5a, 0x8c, 0x6a]);
    expect(
      new DataView(file.footer.buffer, file.footer.byteOffset).getUint32(file.footer.length - 140, true),
    ).toBe(7400);
  });

  it('writes triangles as polygons closed by a negative index, normals per corner, materials per polygon', async () => {
    const bytes = toFbx(await read('Box'));
    const geometry = objectsOf(bytes).find((o) => o.name === 'Geometry')!;
    const indices = child(geometry, 'PolygonVertexIndex')!.props[0] as number[];
    expect(indices).toHaveLength(36);
    expect(indices.map((index) => index < 0)).toEqual(indices.map((_, i) => i % 3 === 2));
    expect(Math.max(...indices.map((i) => (i < 0 ? ~i : i)))).toBe(23);
    const normals = child(geometry, 'LayerElementNormal')!;
    expect(child(normals, 'MappingInformationType')!.props).toEqual(['ByPolygonVertex']);
    expect(child(normals, 'Normals')!.props[0]).toHaveLength(36 * 3);
    const layer = child(geometry, 'Layer')!;
    expect(childrenNamed(layer, 'LayerElement').map((e) => child(e, 'Type')!.props[0])).toEqual([
      'LayerElementNormal',
      'LayerElementMaterial',
    ]);
    const material = objectsOf(bytes).find((o) => o.name === 'Material')!;
    expect(material.props[1]).toBe('Red\u0000\u0001Material');
    expect(property70(material, 'DiffuseColor')).toEqual([0.800000011920929, 0, 0]);
  });

  it('gives a mesh with two materials a material index per polygon, in connection order', async () => {
    const doc = await read('Box');
    const mesh = doc.getRoot().listMeshes()[0]!;
    const second = mesh.listPrimitives()[0]!.clone();
    second.setMaterial(doc.createMaterial('Blue').setBaseColorFactor([0, 0, 1, 1]));
    mesh.addPrimitive(second);
    const bytes = toFbx(doc);
    const geometry = objectsOf(bytes).find((o) => o.name === 'Geometry')!;
    const materials = child(child(geometry, 'LayerElementMaterial'), 'Materials')!.props[0];
    expect(materials).toEqual([...Array(12).fill(0), ...Array(12).fill(1)]);
    const connections = child(topLevel(bytes), 'Connections')!.children.map((c) => c.props);
    const model = objectsOf(bytes).find((o) => o.name === 'Model' && o.props[2] === 'Mesh')!.props[0];
    const names = new Map(objectsOf(bytes).map((o) => [o.props[0], o.props[1]]));
    const linked = connections.filter((c) => c[2] === model && String(names.get(c[1])).endsWith('Material'));
    expect(linked.map((c) => names.get(c[1]))).toEqual([
      'Red\u0000\u0001Material',
      'Blue\u0000\u0001Material',
    ]);
    expect((await assimpInfo(save('two-materials.fbx', bytes))).materials).toBe(2);
  });

  it('embeds the base colour image as the Video content of a texture on DiffuseColor', async () => {
    const doc = await read('CesiumMan');
    const image = doc.getRoot().listMaterials()[0]!.getBaseColorTexture()!.getImage()!;
    const bytes = toFbx(doc);
    const video = objectsOf(bytes).find((o) => o.name === 'Video')!;
    expect(Buffer.from(child(video, 'Content')!.props[0] as Uint8Array).equals(image)).toBe(true);
    const texture = objectsOf(bytes).find((o) => o.name === 'Texture')!;
    const material = objectsOf(bytes).find((o) => o.name === 'Material')!;
    const connections = child(topLevel(bytes), 'Connections')!.children.map((c) => c.props);
    expect(connections).toContainEqual(['OP', texture.props[0], material.props[0], 'DiffuseColor']);
    expect(connections).toContainEqual(['OO', video.props[0], texture.props[0]]);
  });

  it('binds Fox with a Skin, a Cluster per joint and a BindPose of the joints’ bind transforms', async () => {
    const doc = await read('Fox');
    const skin = doc.getRoot().listSkins()[0]!;
    const objects = objectsOf(toFbx(doc));
    expect(objects.filter((o) => o.name === 'Deformer' && o.props[2] === 'Skin')).toHaveLength(1);
    const clusters = objects.filter((o) => o.name === 'Deformer' && o.props[2] === 'Cluster');
    expect(clusters.map((c) => String(c.props[1]).split('\u0000')[0])).toEqual(
      skin.listJoints().map((j) => j.getName()),
    );
    const limbs = objects.filter((o) => o.name === 'Model' && o.props[2] === 'LimbNode');
    expect(limbs).toHaveLength(skin.listJoints().length);
    const pose = objects.find((o) => o.name === 'Pose')!;
    expect(child(pose, 'NbPoseNodes')!.props).toEqual([skin.listJoints().length + 1]);
    // TransformLink is the joint's bind transform: TransformLink x inverseBindMatrix = identity.
    const inverseBinds = skin.getInverseBindMatrices()!;
    clusters.forEach((cluster, j) => {
      const link = child(cluster, 'TransformLink')!.props[0] as number[];
      const product = multiply(link as unknown as mat4, inverseBinds.getElement(j, []) as unknown as mat4);
      expectMatrixClose([...product], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    });
  });

  it('writes vertex colours sRGB-encoded, as DCC tools read them', async () => {
    const doc = await read('Box');
    const primitive = doc.getRoot().listMeshes()[0]!.listPrimitives()[0]!;
    const count = primitive.getAttribute('POSITION')!.getCount();
    const linear = new Float32Array(count * 4).fill(1);
    for (let v = 0; v < count; v++) linear[v * 4] = 0.5; // red half-way in linear light
    primitive.setAttribute('COLOR_0', doc.createAccessor().setType('VEC4').setArray(linear));
    const file = save('coloured.fbx', toFbx(doc));
    const mesh = (await assimpJson(file)).meshes[0] as AssimpMesh & { colors?: number[][] };
    expect(mesh.colors?.[0]?.slice(0, 4)).toEqual([
      expect.closeTo(0.7354, 4),
      expect.closeTo(1, 6),
      expect.closeTo(1, 6),
      expect.closeTo(1, 6),
    ]);
  });

  it('bakes morph weights into the positions', async () => {
    const robot = await read('RobotExpressive');
    // The one face mesh whose targets move anything.
    const head = robot
      .getRoot()
      .listNodes()
      .find((n) => n.getName() === 'Head_4')!;
    const before = controlPoints(toFbx(robot), head.getName());
    head.setWeights(
      head
        .getMesh()!
        .listPrimitives()[0]!
        .listTargets()
        .map(() => 1),
    );
    const after = controlPoints(toFbx(robot), head.getName());
    expect(after).toHaveLength(before.length);
    expect(after.some((v, i) => Math.abs(v - before[i]!) > 1e-3)).toBe(true);

    function controlPoints(bytes: Uint8Array, name: string): number[] {
      const geometry = objectsOf(bytes).find(
        (o) => o.name === 'Geometry' && o.props[1] === `${name}\u0000\u0001Geometry`,
      );
      return child(geometry, 'Vertices')!.props[0] as number[];
    }
  });

  it('is deterministic, compressed by default, and the same file uncompressed', async () => {
    const doc = await read('Fox');
    const a = toFbx(doc);
    expect(Buffer.from(toFbx(doc)).equals(a)).toBe(true);
    const raw = toFbx(doc, { compress: false });
    expect(a.byteLength).toBeLessThan(raw.byteLength / 2);
    const strip = (bytes: Uint8Array) =>
      JSON.stringify(readFbx(bytes).nodes, (_, v) =>
        typeof v === 'bigint' ? `${v}` : v instanceof Uint8Array ? [...v] : v,
      );
    expect(strip(a)).toBe(strip(raw));
    // Node's native zlib, as the server passes it in: the same content.
    expect(strip(toFbx(doc, { deflate: (data) => deflateSync(data, { level: 1 }) }))).toBe(strip(raw));
  });

  it('turns strips and fans into triangles and leaves points and lines out', async () => {
    const doc = await readGlb(
      await buildGlb({
        primitives: [
          { mode: PrimitiveMode.TRIANGLE_STRIP, vertices: 6 },
          { mode: PrimitiveMode.TRIANGLE_FAN, vertices: 5 },
          { mode: PrimitiveMode.POINTS, vertices: 4 },
          { mode: PrimitiveMode.LINES, vertices: 4 },
        ],
        joints: 3,
      }),
    );
    const bytes = toFbx(doc);
    const geometry = objectsOf(bytes).find((o) => o.name === 'Geometry')!;
    // Strip 0-5: (0 1 2) (2 1 3) (2 3 4) (4 3 5), every other one turned to keep its facing; fan 6-10.
    expect(child(geometry, 'PolygonVertexIndex')!.props[0]).toEqual([
      0, 1, -3, 2, 1, -4, 2, 3, -5, 4, 3, -6, 6, 7, -9, 6, 8, -10, 6, 9, -11,
    ]);
    // The unskinned joints are still a LimbNode chain; no skin, so no clusters and no bind pose.
    const limbs = objectsOf(bytes).filter((o) => o.props[2] === 'LimbNode' && o.name === 'Model');
    expect(limbs.map((o) => String(o.props[1]).split('\u0000')[0])).toEqual(['joint0', 'joint1', 'joint2']);
    expect(objectsOf(bytes).filter((o) => o.name === 'Deformer' || o.name === 'Pose')).toEqual([]);
    expect((await assimpInfo(save('strips.fbx', bytes), { raw: true })).faces).toBe(7);
  });

  it('leaves a mesh of points only as a plain node', async () => {
    const doc = await readGlb(await buildGlb({ primitives: [{ mode: PrimitiveMode.POINTS, vertices: 4 }] }));
    const objects = objectsOf(toFbx(doc));
    expect(objects.map((o) => [o.name, o.props[2]])).toEqual([['Model', 'Null']]);
  });

  it('writes an empty document as a readable file with no objects', () => {
    const file = readFbx(toFbx(new GltfDocument()));
    expect(file.nodes.find((n) => n.name === 'Objects')!.children).toEqual([]);
  });

  it('sets the pose asked for on the skeleton and keeps the bind data', async () => {
    const rest = await read('Fox');
    const clip = rest.getRoot().listAnimations()[0]!.getName();
    const posed = await read('Fox');
    const bytes = await fbxConverter.convert(posed, { pose: { animation: clip, time: 0.5 } });
    const limbs = (b: Uint8Array) =>
      objectsOf(b).filter((o) => o.name === 'Model' && o.props[2] === 'LimbNode');
    const rotations = (b: Uint8Array) => limbs(b).map((o) => property70(o, 'Lcl Rotation'));
    expect(rotations(bytes)).not.toEqual(rotations(toFbx(rest)));
    const links = (b: Uint8Array) =>
      objectsOf(b)
        .filter((o) => o.props[2] === 'Cluster')
        .map((o) => child(o, 'TransformLink')!.props[0]);
    expect(links(bytes)).toEqual(links(toFbx(rest)));
    await expect(fbxConverter.convert(await read('Fox'), { pose: { animation: 'Dance' } })).rejects.toThrow(
      `This avatar has no animation named "Dance". It has: ${clip}.`,
    );
  });

  it('is the FBX export converter', () => {
    expect(fbxConverter).toMatchObject({ extension: 'fbx', contentType: 'application/octet-stream' });
  });
});

describe('the binary node writer', () => {
  it('writes a null record after a node list and for an empty node that is not last', () => {
    const bytes = writeFbxBinary(
      [
        { name: 'A', properties: [], children: [] },
        {
          name: 'B',
          properties: [{ type: 'I', value: 7 }],
          children: [{ name: 'C', properties: [], children: [] }],
        },
      ],
      { compressArraysFrom: Number.POSITIVE_INFINITY },
    );
    // A: 13 header + 1 name + 13 null record; B: 13 + 1 + 5 (I) + C (13 + 1) + 13 null record.
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(27, true)).toBe(27 + 27);
    expect(view.getUint32(54, true)).toBe(54 + 13 + 1 + 5 + 14 + 13);
    expect(readFbx(bytes).nodes.map((n) => [n.name, n.props, n.children.map((c) => c.name)])).toEqual([
      ['A', [], []],
      ['B', [7], ['C']],
    ]);
  });

  it('uses 64-bit offsets and 25-byte null records in 7500', () => {
    const bytes = writeFbxBinary([{ name: 'N', properties: [{ type: 'L', value: 5n }], children: [] }], {
      version: 7500,
    });
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(27, true)).toBe(BigInt(27 + 25 + 1 + 9));
    expect(readFbx(bytes).nodes).toEqual([{ name: 'N', props: [5n], children: [] }]);
    expect([...bytes.subarray(62, 62 + 25)].every((b) => b === 0)).toBe(true);
  });
});

describe('eulerXyzDegrees', () => {
  it('gives angles whose Rz·Ry·Rx is the quaternion’s rotation, gimbal lock included', () => {
    const quaternions: number[][] = [
      [0, 0, 0, 1],
      [Math.SQRT1_2, 0, 0, Math.SQRT1_2],
      [0, Math.SQRT1_2, 0, Math.SQRT1_2], // Y = 90°: gimbal lock
      [0, -Math.SQRT1_2, 0, Math.SQRT1_2],
      [0.1, 0.7, -0.3, 0.64],
      [-0.5, 0.5, 0.5, 0.5],
    ];
    let seed = 7;
    for (let i = 0; i < 50; i++) {
      const q = [0, 0, 0, 0].map(() => {
        seed = (seed * 16807) % 2147483647;
        return (seed / 2147483647) * 2 - 1;
      });
      quaternions.push(q);
    }
    for (const raw of quaternions) {
      const length = Math.hypot(...raw);
      const q = raw.map((v) => v / length);
      const [x, y, z] = eulerXyzDegrees(q).map((d) => (d * Math.PI) / 180) as [number, number, number];
      expectMatrixClose(eulerMatrix(x, y, z), quaternionMatrix(q), 1e-6);
    }
  });
});

function quaternionMatrix([x, y, z, w]: number[]): number[] {
  return [
    [1 - 2 * (y! * y! + z! * z!), 2 * (x! * y! - z! * w!), 2 * (x! * z! + y! * w!)],
    [2 * (x! * y! + z! * w!), 1 - 2 * (x! * x! + z! * z!), 2 * (y! * z! - x! * w!)],
    [2 * (x! * z! - y! * w!), 2 * (y! * z! + x! * w!), 1 - 2 * (x! * x! + y! * y!)],
  ].flat();
}

/** Row-major 3x3 of Rz(z)·Ry(y)·Rx(x). */
function eulerMatrix(x: number, y: number, z: number): number[] {
  const rx = [1, 0, 0, 0, Math.cos(x), -Math.sin(x), 0, Math.sin(x), Math.cos(x)];
  const ry = [Math.cos(y), 0, Math.sin(y), 0, 1, 0, -Math.sin(y), 0, Math.cos(y)];
  const rz = [Math.cos(z), -Math.sin(z), 0, Math.sin(z), Math.cos(z), 0, 0, 0, 1];
  return mul3(rz, mul3(ry, rx));
}

function mul3(a: number[], b: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      out.push(a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!);
  return out;
}

function expectMatrixClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-4) {
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!) / scale, `element ${i}`).toBeLessThan(tolerance);
  }
}

/** glTF's column-major matrix as Assimp's row-major one. */
function rowMajor(m: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) out.push(m[c * 4 + r]!);
  return out;
}

function mul4(a: number[], b: number[]): number[] {
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) for (let k = 0; k < 4; k++) out[r * 4 + c]! += a[r * 4 + k]! * b[k * 4 + c]!;
  return out;
}

interface FlatNode {
  parent: string | null;
  world: number[];
  meshes: number[];
}
function flattenNodes(root: AssimpNode): Map<string, FlatNode> {
  const out = new Map<string, FlatNode>();
  const walk = (node: AssimpNode, parent: string | null, world: number[]) => {
    const own = mul4(world, node.transformation);
    if (!out.has(node.name)) out.set(node.name, { parent, world: own, meshes: node.meshes ?? [] });
    for (const c of node.children ?? []) walk(c, parent === null && node === root ? null : node.name, own);
  };
  for (const c of root.children ?? []) walk(c, null, root.transformation);
  return out;
}

interface Bounds {
  min: number[];
  max: number[];
}

function grow(bounds: Bounds, p: number[]) {
  for (let k = 0; k < 3; k++) {
    bounds.min[k] = Math.min(bounds.min[k]!, p[k]!);
    bounds.max[k] = Math.max(bounds.max[k]!, p[k]!);
  }
}

const empty = (): Bounds => ({ min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] });

function transform(m: number[], p: number[], rowMajorMatrix: boolean): number[] {
  const at = (r: number, c: number) => (rowMajorMatrix ? m[r * 4 + c]! : m[c * 4 + r]!);
  return [0, 1, 2].map((r) => at(r, 0) * p[0]! + at(r, 1) * p[1]! + at(r, 2) * p[2]! + at(r, 3));
}

/** Bounds of every skinned mesh as glTF skins it: sum of weight x jointWorld x inverseBind x vertex. */
function skinnedBoundsGltf(doc: Document): Bounds {
  const bounds = empty();
  for (const node of doc.getRoot().listNodes()) {
    const skin = node.getSkin();
    if (!skin || !node.getMesh()) continue;
    const joints = skin.listJoints().map((joint: Node, j) => {
      const ibm = skin.getInverseBindMatrices()?.getElement(j, []) ?? [
        1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,
      ];
      return [...multiply(joint.getWorldMatrix(), ibm as unknown as mat4)];
    });
    for (const primitive of node.getMesh()!.listPrimitives()) {
      const position = primitive.getAttribute('POSITION')!;
      const j = primitive.getAttribute('JOINTS_0')!;
      const w = primitive.getAttribute('WEIGHTS_0')!;
      for (let v = 0; v < position.getCount(); v++) {
        const p = position.getElement(v, []);
        const jv = j.getElement(v, []);
        const wv = w.getElement(v, []);
        const sum = wv.reduce((a, b) => a + b, 0);
        const out = [0, 0, 0];
        for (let k = 0; k < 4; k++) {
          if (!wv[k]) continue;
          const q = transform(joints[jv[k]!]!, p, false);
          for (let c = 0; c < 3; c++) out[c]! += (q[c]! * wv[k]!) / sum;
        }
        grow(bounds, out);
      }
    }
  }
  return bounds;
}

/** The same from what Assimp read: sum of weight x boneNodeWorld x offsetMatrix x vertex. */
function skinnedBoundsAssimp(scene: AssimpScene, nodes: Map<string, FlatNode>, meshNames: string[]): Bounds {
  const bounds = empty();
  for (const mesh of scene.meshes.filter((m) => meshNames.includes(m.name))) {
    const count = mesh.vertices.length / 3;
    const out = Array.from({ length: count }, () => [0, 0, 0]);
    for (const bone of mesh.bones ?? []) {
      const m = mul4(nodes.get(bone.name)!.world, bone.offsetmatrix);
      for (const [v, w] of bone.weights ?? []) {
        const q = transform(m, mesh.vertices.slice(v * 3, v * 3 + 3), true);
        for (let c = 0; c < 3; c++) out[v]![c]! += q[c]! * w;
      }
    }
    for (const p of out) grow(bounds, p);
  }
  return bounds;
}
