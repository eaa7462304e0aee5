/**
 * Composed avatar -> binary FBX 7.4. Written by hand: no maintained JavaScript library writes FBX (the
 * npm packages that do are abandoned ASCII writers or read-only parsers). This file walks the glTF
 * scene; `fbx-scene.ts` builds the FBX object graph, `fbx-geometry.ts` the polygon data and
 * `fbx-binary-writer.ts` serialises the node tree.
 *
 * What goes in, and how:
 * - the default scene's nodes as Models: joints as `LimbNode` (with a Skeleton NodeAttribute), meshes
 *   as `Mesh`, everything else as `Null`, each with its local transform (Lcl Translation, Rotation as
 *   XYZ Euler degrees, Scaling) and InheritType RSrs, which is glTF's plain matrix product;
 * - per mesh one Geometry: control points, PolygonVertexIndex (triangles, last index XOR -1), normals
 *   ByPolygonVertex/Direct, UVs ByPolygonVertex/IndexToDirect (V flipped: FBX's origin is bottom left),
 *   vertex colours ByPolygonVertex/IndexToDirect (sRGB, as DCC tools read them), materials ByPolygon
 *   (AllSame when one); morph weights baked into the positions;
 * - materials as Phong with the base colour (linear, as glTF and Blender keep it) as DiffuseColor, alpha
 *   as Opacity, emissive; a base colour texture as a Texture on DiffuseColor whose Video carries the
 *   image bytes (`Content`), so one `.fbx` is the whole download;
 * - skins as Deformer Skin + one SubDeformer Cluster per joint (Indexes, Weights, TransformLink = the
 *   joint's bind transform = inverse(inverseBindMatrix), Transform = the inverse bind matrix itself, as
 *   files store it relative to the link), and one BindPose. A skinned mesh's Model sits at the root with
 *   an identity transform, because glTF ignores a skinned mesh node's own transform.
 *
 * Units: glTF is metres and the numbers are written unchanged; FBX's UnitScaleFactor counts centimetres
 * per file unit (FBX SDK's FbxSystemUnit::m is 100; Assimp reads it as "size relative to cm"), so it is
 * 100. Axes: Y up, Z front, X right, right-handed, as glTF.
 *
 * Left out: animations (the avatar is written in its rest pose, or the pose asked for), morph targets
 * as blend shapes (their current weights are baked), points and lines (FBX polygons cannot hold them),
 * texture transforms and UV sets other than TEXCOORD_0.
 */
import type { Document, Node } from '@gltf-transform/core';
import { PoseNotFoundError } from './bake-pose.ts';
import type { ConvertOptions, ExportConverter } from './export-converter.ts';
import { writeFbxBinary } from './fbx-binary-writer.ts';
import { readFbxMeshData } from './fbx-geometry.ts';
import { FbxScene, type SkinnedMesh } from './fbx-scene.ts';
import { poseAvatar } from './pose-avatar.ts';

export { eulerXyzDegrees } from './fbx-scene.ts';

export interface ToFbxOptions {
  /** 7400 (FBX 2014/2015, 32-bit offsets; what most importers know best) or 7500 (64-bit offsets). */
  version: 7400 | 7500;
  /** zlib-compress arrays, as FBX SDK does: several times smaller files for a little time. */
  compress: boolean;
  /** Written as the file's Creator. */
  creator: string;
  /**
   * zlib compression for the arrays; fflate's (pure JavaScript) when absent. The server passes Node's
   * native zlib, about five times faster: compression is most of the conversion's time.
   */
  deflate?: (data: Uint8Array) => Uint8Array;
}

export const TO_FBX_DEFAULTS: Readonly<ToFbxOptions> = Object.freeze({
  version: 7400,
  compress: true,
  creator: 'avatar asset-core FBX writer',
});

/** The document as a binary FBX file. Deterministic: the same document gives the same bytes. */
export function toFbx(document: Document, options: Partial<ToFbxOptions> = {}): Uint8Array {
  const opts = { ...TO_FBX_DEFAULTS, ...options };
  const scene = new FbxScene();
  const root = document.getRoot();
  const joints = new Set(root.listSkins().flatMap((skin) => skin.listJoints()));
  const models = new Map<Node, bigint>();
  const skinned: SkinnedMesh[] = [];

  const visit = (gltfNode: Node, parent: bigint) => {
    const mesh = gltfNode.getMesh();
    const data = mesh ? readFbxMeshData(mesh, gltfNode) : null;
    const skin = data ? gltfNode.getSkin() : null;
    const isJoint = joints.has(gltfNode);
    const name = gltfNode.getName() || mesh?.getName() || (mesh ? 'Mesh' : 'Node');
    // The node's place in the hierarchy; a skinned mesh without children needs none.
    let place: bigint | null = null;
    if (isJoint) place = scene.model(name, 'LimbNode', gltfNode, parent);
    else if (data && !skin) place = scene.model(name, 'Mesh', gltfNode, parent);
    else if (!skin || gltfNode.listChildren().length > 0) place = scene.model(name, 'Null', gltfNode, parent);
    if (place !== null) models.set(gltfNode, place);

    if (data) {
      let meshModel = place;
      if (skin) meshModel = scene.model(name, 'Mesh', null, 0n);
      else if (isJoint) meshModel = scene.model(`${name}_mesh`, 'Mesh', null, place ?? parent);
      const geometry = scene.geometry(name, data, meshModel!);
      if (skin) skinned.push({ node: gltfNode, model: meshModel!, geometry, data });
    }
    for (const child of gltfNode.listChildren()) visit(child, place ?? parent);
  };
  const gltfScene = root.getDefaultScene() ?? root.listScenes()[0];
  for (const child of gltfScene?.listChildren() ?? []) visit(child, 0n);

  scene.skins(skinned, models);
  return writeFbxBinary(scene.file(opts), {
    version: opts.version,
    compressArraysFrom: opts.compress ? 128 : Number.POSITIVE_INFINITY,
    ...(opts.deflate ? { deflate: opts.deflate } : {}),
  });
}

/**
 * FBX export: one self-contained binary `.fbx` with the textures embedded. A pose asked for is set on the
 * skeleton's nodes (an animation held at a time); the bind data stays, so the file is still rigged.
 */
export function createFbxConverter(options: Partial<ToFbxOptions> = {}): ExportConverter {
  return Object.freeze({
    extension: 'fbx',
    contentType: 'application/octet-stream',
    convert: async (document: Document, convert: ConvertOptions = {}) => {
      convert.signal?.throwIfAborted();
      const animation = convert.pose?.animation;
      if (animation !== undefined) {
        const seconds = convert.pose?.time ?? 0;
        const report = poseAvatar(document, { kind: 'animation', animation, seconds });
        if (!report.posed) throw new PoseNotFoundError(animation, report.animations);
      }
      return toFbx(document, options);
    },
  });
}

/** The FBX converter with the portable (pure JavaScript) compression. */
export const fbxConverter: ExportConverter = createFbxConverter();
