import type { Material, Node, Texture } from '@gltf-transform/core';
import { type FbxNode, type FbxProperty, fbx, node } from './fbx-binary-writer.ts';
import type { FbxMeshData } from './fbx-geometry.ts';
import { invert } from './mat4.ts';

export interface SkinnedMesh {
  node: Node;
  model: bigint;
  geometry: bigint;
  data: FbxMeshData;
}

type ModelType = 'LimbNode' | 'Mesh' | 'Null';

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
// FBX SDK checks FileId and CreationTime against the footer; these are the pair Blender writes.
const FILE_ID = [
  0x28, 0xb3, 0x2a, 0xeb, 0xb6, 0x24, 0xcc, 0xc2, 0xbf, 0xc8, 0xb0, 0x2a, 0xa9, 0x2b, 0xfc, 0xf1,
];
const CREATION_TIME = '1970-01-01 10:00:00:000';

/**
 * The FBX object graph of an export, built by hand (see `convert-fbx.ts`): Objects with their
 * Properties70, the OO/OP Connections between them, the counts Definitions needs, and the header
 * sections FBX readers expect.
 */
export class FbxScene {
  private nextId = 1_000_000n;
  private readonly objects: FbxNode[] = [];
  private readonly connections: FbxNode[] = [];
  private readonly counts = new Map<string, number>();
  private readonly materials = new Map<Material | null, bigint>();
  private readonly textures = new Map<Texture, bigint>();

  model(name: string, type: ModelType, source: Node | null, parent: bigint): bigint {
    const id = this.add('Model', name, type, [
      node('Version', [fbx.int32(232)]),
      properties([
        ...(source ? transformOf(source) : []),
        p('InheritType', 'enum', '', '', fbx.int32(1)),
        // Which connected node attribute (geometry, skeleton) is the model's; a Null has none.
        p('DefaultAttributeIndex', 'int', 'Integer', '', fbx.int32(type === 'Null' ? -1 : 0)),
      ]),
      node('MultiLayer', [fbx.int32(0)]),
      node('MultiTake', [fbx.int32(0)]),
      node('Shading', [fbx.bool(true)]),
      node('Culling', [fbx.string('CullingOff')]),
    ]);
    this.connect(id, parent);
    if (type === 'LimbNode') {
      const attribute = this.add('NodeAttribute', name, 'LimbNode', [
        properties([p('Size', 'double', 'Number', '', fbx.float64(1))]),
        node('TypeFlags', [fbx.string('Skeleton')]),
      ]);
      this.connect(attribute, id);
    }
    return id;
  }

  geometry(name: string, data: FbxMeshData, model: bigint): bigint {
    const polygonVertexIndex = new Int32Array(data.triangles);
    for (let i = 2; i < polygonVertexIndex.length; i += 3) polygonVertexIndex[i] = ~polygonVertexIndex[i]!;
    const singleMaterial = data.materials.length === 1;
    const layers: FbxNode[] = [
      layerElement('LayerElementNormal', '', 'ByPolygonVertex', 'Direct', [
        node('Normals', [fbx.float64s(data.normals)]),
      ]),
    ];
    if (data.uvs) {
      layers.push(
        layerElement('LayerElementUV', 'UVMap', 'ByPolygonVertex', 'IndexToDirect', [
          node('UV', [fbx.float64s(data.uvs)]),
          node('UVIndex', [fbx.int32s(new Int32Array(data.triangles))]),
        ]),
      );
    }
    if (data.colors) {
      layers.push(
        layerElement('LayerElementColor', 'Col', 'ByPolygonVertex', 'IndexToDirect', [
          node('Colors', [fbx.float64s(data.colors)]),
          node('ColorIndex', [fbx.int32s(new Int32Array(data.triangles))]),
        ]),
      );
    }
    layers.push(
      layerElement('LayerElementMaterial', '', singleMaterial ? 'AllSame' : 'ByPolygon', 'IndexToDirect', [
        node('Materials', [fbx.int32s(singleMaterial ? [0] : data.triangleMaterials)]),
      ]),
    );
    const layer = node(
      'Layer',
      [fbx.int32(0)],
      [
        node('Version', [fbx.int32(100)]),
        ...layers.map((l) =>
          node('LayerElement', [], [node('Type', [fbx.string(l.name)]), node('TypedIndex', [fbx.int32(0)])]),
        ),
      ],
    );
    const id = this.add('Geometry', name, 'Mesh', [
      properties([]),
      node('GeometryVersion', [fbx.int32(124)]),
      node('Vertices', [fbx.float64s(data.positions)]),
      node('PolygonVertexIndex', [fbx.int32s(polygonVertexIndex)]),
      ...layers,
      layer,
    ]);
    this.connect(id, model);
    // The order of a model's material connections is what LayerElementMaterial indexes.
    for (const material of data.materials) this.connect(this.material(material), model);
    return id;
  }

  skins(meshes: SkinnedMesh[], models: Map<Node, bigint>): void {
    const pose = new Map<bigint, number[]>();
    for (const { node: meshNode, model, geometry, data } of meshes) {
      const skin = meshNode.getSkin()!;
      const skinId = this.add('Deformer', skin.getName() || meshNode.getName(), 'Skin', [
        node('Version', [fbx.int32(101)]),
        node('Link_DeformAcuracy', [fbx.float64(50)]),
      ]);
      this.connect(skinId, geometry);
      pose.set(model, IDENTITY);
      const inverseBinds = skin.getInverseBindMatrices();
      skin.listJoints().forEach((joint, j) => {
        const bone = models.get(joint);
        if (bone === undefined) return; // a joint outside the scene: nothing to bind to
        const inverseBind = inverseBinds ? inverseBinds.getElement(j, []) : IDENTITY;
        const bind = (invert(inverseBind as never) as unknown as number[] | null) ?? IDENTITY;
        const weights = data.weights.get(j);
        const cluster = this.add(
          'Deformer',
          joint.getName(),
          'Cluster',
          [
            node('Version', [fbx.int32(100)]),
            node('UserData', [fbx.string(''), fbx.string('')]),
            ...(weights
              ? [
                  node('Indexes', [fbx.int32s(weights.indices)]),
                  node('Weights', [fbx.float64s(weights.weights)]),
                ]
              : []),
            // On disk Transform is relative to the link: inverse(TransformLink) x the mesh's bind transform
            // (identity here), i.e. glTF's inverse bind matrix. FBX SDK's GetTransformMatrix multiplies
            // TransformLink back in; Blender writes and reads it so, and Assimp takes it as the bone offset.
            node('Transform', [fbx.float64s(inverseBind)]),
            node('TransformLink', [fbx.float64s(bind)]),
          ],
          'SubDeformer',
        );
        this.connect(cluster, skinId);
        this.connect(bone, cluster);
        if (!pose.has(bone)) pose.set(bone, bind);
      });
    }
    if (pose.size === 0) return;
    this.add('Pose', 'BindPose', 'BindPose', [
      node('Type', [fbx.string('BindPose')]),
      node('Version', [fbx.int32(100)]),
      node('NbPoseNodes', [fbx.int32(pose.size)]),
      ...[...pose].map(([id, matrix]) =>
        node('PoseNode', [], [node('Node', [fbx.int64(id)]), node('Matrix', [fbx.float64s(matrix)])]),
      ),
    ]);
  }

  /** The whole file's top-level nodes. */
  file(opts: { version: number; creator: string }): FbxNode[] {
    const definitions = [...this.counts].map(([type, count]) =>
      node('ObjectType', [fbx.string(type)], [node('Count', [fbx.int32(count)])]),
    );
    const total = [...this.counts.values()].reduce((sum, n) => sum + n, 1);
    return [
      node(
        'FBXHeaderExtension',
        [],
        [
          node('FBXHeaderVersion', [fbx.int32(1003)]),
          node('FBXVersion', [fbx.int32(opts.version)]),
          node('EncryptionType', [fbx.int32(0)]),
          node(
            'CreationTimeStamp',
            [],
            [
              ...(
                [
                  ['Version', 1000],
                  ['Year', 1970],
                  ['Month', 1],
                  ['Day', 1],
                  ['Hour', 10],
                  ['Minute', 0],
                  ['Second', 0],
                  ['Millisecond', 0],
                ] as const
              ).map(([key, value]) => node(key, [fbx.int32(value)])),
            ],
          ),
          node('Creator', [fbx.string(opts.creator)]),
        ],
      ),
      node('FileId', [fbx.raw(new Uint8Array(FILE_ID))]),
      node('CreationTime', [fbx.string(CREATION_TIME)]),
      node('Creator', [fbx.string(opts.creator)]),
      node('GlobalSettings', [], [node('Version', [fbx.int32(1000)]), properties(GLOBAL_SETTINGS)]),
      node(
        'Documents',
        [],
        [
          node('Count', [fbx.int32(1)]),
          node(
            'Document',
            [fbx.int64(this.nextId++), fbx.string(''), fbx.string('Scene')],
            [
              properties([
                p('SourceObject', 'object', '', ''),
                p('ActiveAnimStackName', 'KString', '', '', fbx.string('')),
              ]),
              node('RootNode', [fbx.int64(0)]),
            ],
          ),
        ],
      ),
      node('References'),
      node(
        'Definitions',
        [],
        [
          node('Version', [fbx.int32(100)]),
          node('Count', [fbx.int32(total)]),
          node('ObjectType', [fbx.string('GlobalSettings')], [node('Count', [fbx.int32(1)])]),
          ...definitions,
        ],
      ),
      node('Objects', [], this.objects),
      node('Connections', [], this.connections),
      node('Takes', [], [node('Current', [fbx.string('')])]),
    ];
  }

  private material(material: Material | null): bigint {
    let id = this.materials.get(material);
    if (id !== undefined) return id;
    const [r, g, b, a] = material?.getBaseColorFactor() ?? [0.8, 0.8, 0.8, 1];
    const emissive = material?.getEmissiveFactor() ?? [0, 0, 0];
    const roughness = material?.getRoughnessFactor() ?? 1;
    const glossiness = 1 - roughness;
    id = this.add('Material', material?.getName() || 'Default', '', [
      node('Version', [fbx.int32(102)]),
      node('ShadingModel', [fbx.string('phong')]),
      node('MultiLayer', [fbx.int32(0)]),
      properties([
        p('DiffuseColor', 'Color', '', 'A', ...doubles(r, g, b)),
        p('DiffuseFactor', 'Number', '', 'A', fbx.float64(1)),
        p('EmissiveColor', 'Color', '', 'A', ...doubles(...emissive)),
        p('EmissiveFactor', 'Number', '', 'A', fbx.float64(1)),
        p('AmbientColor', 'Color', '', 'A', ...doubles(0, 0, 0)),
        p('SpecularColor', 'Color', '', 'A', ...doubles(1, 1, 1)),
        p('SpecularFactor', 'Number', '', 'A', fbx.float64(0.5 * glossiness)),
        p('ShininessExponent', 'Number', '', 'A', fbx.float64(2 + 98 * glossiness * glossiness)),
        p('TransparentColor', 'Color', '', 'A', ...doubles(1, 1, 1)),
        p('TransparencyFactor', 'Number', '', 'A', fbx.float64(1 - a)),
        p('Opacity', 'Number', '', 'A', fbx.float64(a)),
      ]),
    ]);
    this.materials.set(material, id);
    const texture = material?.getBaseColorTexture();
    if (texture?.getImage()) this.connect(this.texture(texture), id, 'DiffuseColor');
    return id;
  }

  private texture(texture: Texture): bigint {
    let id = this.textures.get(texture);
    if (id !== undefined) return id;
    const stem = safeName(texture.getName() || texture.getURI().replace(/^.*[\\/]|\.[^.]*$/g, ''), 'texture');
    const file = `${stem}_${this.textures.size}.${extensionOf(texture.getMimeType())}`;
    id = this.add('Texture', stem, '', [
      node('Type', [fbx.string('TextureVideoClip')]),
      node('Version', [fbx.int32(202)]),
      node('TextureName', [fbx.string(nameClass(stem, 'Texture'))]),
      properties([
        p('UVSet', 'KString', '', '', fbx.string('UVMap')),
        p('UseMaterial', 'bool', '', '', fbx.int32(1)),
      ]),
      node('Media', [fbx.string(nameClass(stem, 'Video'))]),
      node('FileName', [fbx.string(file)]),
      node('RelativeFilename', [fbx.string(file)]),
      node('ModelUVTranslation', doubles(0, 0)),
      node('ModelUVScaling', doubles(1, 1)),
      node('Texture_Alpha_Source', [fbx.string('None')]),
      node('Cropping', [0, 0, 0, 0].map(fbx.int32)),
    ]);
    const video = this.add('Video', stem, 'Clip', [
      node('Type', [fbx.string('Clip')]),
      properties([p('Path', 'KString', 'XRefUrl', '', fbx.string(file))]),
      node('UseMipMap', [fbx.int32(0)]),
      node('Filename', [fbx.string(file)]),
      node('RelativeFilename', [fbx.string(file)]),
      node('Content', [fbx.raw(texture.getImage()!)]),
    ]);
    this.connect(video, id);
    this.textures.set(texture, id);
    return id;
  }

  /** Adds an object: `Kind: id, "name\0\x01Class", "subtype" { ... }`. */
  private add(kind: string, name: string, subtype: string, children: FbxNode[], className = kind): bigint {
    const id = this.nextId++;
    const label = nameClass(safeName(name, kind), className);
    this.objects.push(node(kind, [fbx.int64(id), fbx.string(label), fbx.string(subtype)], children));
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    return id;
  }

  /** `C: "OO", child, parent` or, to a property of the parent, `C: "OP", child, parent, property`. */
  private connect(child: bigint, parent: bigint, property?: string): void {
    const props = [fbx.string(property ? 'OP' : 'OO'), fbx.int64(child), fbx.int64(parent)];
    if (property) props.push(fbx.string(property));
    this.connections.push(node('C', props));
  }
}

const GLOBAL_SETTINGS: FbxNode[] = [
  p('UpAxis', 'int', 'Integer', '', fbx.int32(1)),
  p('UpAxisSign', 'int', 'Integer', '', fbx.int32(1)),
  p('FrontAxis', 'int', 'Integer', '', fbx.int32(2)),
  p('FrontAxisSign', 'int', 'Integer', '', fbx.int32(1)),
  p('CoordAxis', 'int', 'Integer', '', fbx.int32(0)),
  p('CoordAxisSign', 'int', 'Integer', '', fbx.int32(1)),
  p('OriginalUpAxis', 'int', 'Integer', '', fbx.int32(1)),
  p('OriginalUpAxisSign', 'int', 'Integer', '', fbx.int32(1)),
  p('UnitScaleFactor', 'double', 'Number', '', fbx.float64(100)),
  p('OriginalUnitScaleFactor', 'double', 'Number', '', fbx.float64(100)),
  p('AmbientColor', 'ColorRGB', 'Color', '', ...doubles(0, 0, 0)),
  p('DefaultCamera', 'KString', '', '', fbx.string('Producer Perspective')),
  p('TimeMode', 'enum', '', '', fbx.int32(11)),
  p('TimeSpanStart', 'KTime', 'Time', '', fbx.int64(0)),
  p('TimeSpanStop', 'KTime', 'Time', '', fbx.int64(46_186_158_000)),
  p('CustomFrameRate', 'double', 'Number', '', fbx.float64(-1)),
];

/** A Properties70 entry: `P: "name", "type", "subtype", "flags", values...`. */
function p(name: string, type: string, subtype: string, flags: string, ...values: FbxProperty[]): FbxNode {
  return node('P', [fbx.string(name), fbx.string(type), fbx.string(subtype), fbx.string(flags), ...values]);
}

function properties(entries: FbxNode[]): FbxNode {
  return node('Properties70', [], entries);
}

function layerElement(
  kind: string,
  name: string,
  mapping: string,
  reference: string,
  data: FbxNode[],
): FbxNode {
  return node(
    kind,
    [fbx.int32(0)],
    [
      node('Version', [fbx.int32(101)]),
      node('Name', [fbx.string(name)]),
      node('MappingInformationType', [fbx.string(mapping)]),
      node('ReferenceInformationType', [fbx.string(reference)]),
      ...data,
    ],
  );
}

function transformOf(source: Node): FbxNode[] {
  return [
    p('Lcl Translation', 'Lcl Translation', '', 'A', ...doubles(...source.getTranslation())),
    p('Lcl Rotation', 'Lcl Rotation', '', 'A', ...doubles(...eulerXyzDegrees(source.getRotation()))),
    p('Lcl Scaling', 'Lcl Scaling', '', 'A', ...doubles(...source.getScale())),
  ];
}

/**
 * A unit quaternion [x, y, z, w] as FBX's default rotation order eEulerXYZ: rotate about X, then Y,
 * then Z (the matrix Rz * Ry * Rx), in degrees.
 */
export function eulerXyzDegrees([x, y, z, w]: readonly number[]): [number, number, number] {
  const m20 = 2 * (x! * z! - y! * w!);
  const m21 = 2 * (y! * z! + x! * w!);
  const m22 = 1 - 2 * (x! * x! + y! * y!);
  const m10 = 2 * (x! * y! + z! * w!);
  const m00 = 1 - 2 * (y! * y! + z! * z!);
  const m01 = 2 * (x! * y! - z! * w!);
  const m11 = 1 - 2 * (x! * x! + z! * z!);
  const ry = Math.asin(-Math.max(-1, Math.min(1, m20)));
  let rx: number;
  let rz: number;
  if (Math.abs(m20) < 0.9999999) {
    rx = Math.atan2(m21, m22);
    rz = Math.atan2(m10, m00);
  } else {
    rx = 0; // gimbal lock: X and Z turn about the same axis, Z takes it all
    rz = Math.atan2(-m01, m11);
  }
  const degrees = 180 / Math.PI;
  return [rx * degrees, ry * degrees, rz * degrees];
}

function doubles(...values: number[]): FbxProperty[] {
  return values.map(fbx.float64);
}

/** FBX object names are "name\0\x01Class". */
function nameClass(name: string, className: string): string {
  return `${name}\u0000\u0001${className}`;
}

/** Names without the separator characters FBX reserves, and never empty. */
function safeName(name: string, fallback: string): string {
  const clean = name.replaceAll('\u0000', '_').replaceAll('\u0001', '_');
  return clean === '' ? fallback : clean;
}

function extensionOf(mimeType: string): string {
  if (mimeType === 'image/jpeg') return 'jpg';
  return mimeType.replace(/^image\//, '') || 'png';
}
