import type { ArcRotateCamera } from '@babylonjs/core/Cameras/arcRotateCamera';
import { Vector3 } from '@babylonjs/core/Maths/math.vector';
import type { AbstractMesh } from '@babylonjs/core/Meshes/abstractMesh';

export const cameraPresets = ['front', 'three-quarter', 'portrait', 'full-body'] as const;
export type CameraPreset = (typeof cameraPresets)[number];

/** Where the camera looks from, in degrees: yaw turns around the model, pitch raises the camera. */
export interface CameraAngles {
  /** 0 looks at the model's face (glTF +Z); positive turns towards the model's left side. */
  yaw: number;
  /** 0 is level; positive looks down from above. */
  pitch: number;
  /** Vertical field of view. */
  fov: number;
}

export type CameraView = { preset: CameraPreset } | CameraAngles;

interface PresetShot extends CameraAngles {
  /** Which part of the model fills the frame. */
  region: 'whole' | 'head-and-shoulders';
}

const PRESETS: Record<CameraPreset, PresetShot> = {
  front: { yaw: 0, pitch: 5, fov: 30, region: 'whole' },
  'three-quarter': { yaw: 35, pitch: 15, fov: 30, region: 'whole' },
  portrait: { yaw: 15, pitch: 5, fov: 25, region: 'head-and-shoulders' },
  'full-body': { yaw: 15, pitch: 8, fov: 35, region: 'whole' },
};

/** Share of the model's height a head-and-shoulders shot keeps, from the top down. */
const HEAD_AND_SHOULDERS = 0.32;

export interface Bounds {
  min: Vector3;
  max: Vector3;
  /**
   * The corners of each mesh's own (oriented) box: a tighter outline than the corners of the overall
   * box, which a model of many parts seen at an angle fills badly.
   */
  points: Vector3[];
}

/**
 * World bounds of the meshes as they are drawn now: skinned meshes through their posed skeleton and
 * morph targets. The caller must have prepared skeletons and world matrices first (see `AvatarModel.pose`).
 */
export function measureBounds(meshes: readonly AbstractMesh[]): Bounds | null {
  const min = new Vector3(Infinity, Infinity, Infinity);
  const max = new Vector3(-Infinity, -Infinity, -Infinity);
  const points: Vector3[] = [];
  for (const mesh of meshes) {
    if (!mesh.isEnabled() || !mesh.isVisible || mesh.getTotalVertices() === 0) continue;
    if (mesh.skeleton || mesh.morphTargetManager) {
      mesh.refreshBoundingInfo({ applySkeleton: !!mesh.skeleton, applyMorph: !!mesh.morphTargetManager });
    }
    mesh.computeWorldMatrix(true);
    const box = mesh.getBoundingInfo().boundingBox;
    min.minimizeInPlace(box.minimumWorld);
    max.maximizeInPlace(box.maximumWorld);
    for (const corner of box.vectorsWorld) points.push(corner.clone());
  }
  return Number.isFinite(min.x) ? { min, max, points } : null;
}

export function resolveView(view: CameraView): PresetShot {
  return 'preset' in view ? PRESETS[view.preset] : { ...view, region: 'whole' };
}

const DEG = Math.PI / 180;

/**
 * Points an arc-rotate camera at the bounds from the view's angles and moves it back until every
 * outline point fits the frame (with `margin` of the frame left free on each side).
 */
export function frameCamera(
  camera: ArcRotateCamera,
  bounds: Bounds,
  view: CameraView,
  aspect: number,
  margin = 0.06,
): void {
  const shot = resolveView(view);
  const { min, max } = regionOf(bounds, shot.region);
  // Outline points pulled into the region: unchanged for the whole model, cut to the top for a portrait.
  const corners = (bounds.points.length > 0 ? bounds.points : boxCorners(bounds)).map((p) =>
    Vector3.Clamp(p, min, max),
  );
  const fov = Math.min(100, Math.max(5, shot.fov)) * DEG;
  const tanV = Math.tan(fov / 2) * (1 - 2 * margin);
  const tanH = Math.tan(fov / 2) * aspect * (1 - 2 * margin);
  // Babylon's glTF models face -Z after the loader's handedness flip: yaw 0 puts the camera there.
  const alpha = -Math.PI / 2 + shot.yaw * DEG;
  const beta = Math.PI / 2 - Math.max(-89, Math.min(89, shot.pitch)) * DEG;
  const toCamera = new Vector3(
    Math.cos(alpha) * Math.sin(beta),
    Math.cos(beta),
    Math.sin(alpha) * Math.sin(beta),
  );
  const forward = toCamera.scale(-1);
  const right = Vector3.Cross(Vector3.Up(), forward).normalize();
  const up = Vector3.Cross(forward, right).normalize();

  const axes = { forward, right, up, tanH, tanV };
  let target = min.add(max).scale(0.5);
  // A model seen at an angle is not symmetric about its box's centre: re-centre its projection on the
  // frame and fit again, so the frame is not wasted on one side.
  for (let pass = 0; pass < 2; pass++)
    target = recenter(corners, target, fitDistance(corners, target, axes), axes);
  const size = Vector3.Distance(min, max) || 1;
  const distance = Math.max(fitDistance(corners, target, axes), size * 0.05);

  // Target first, then the angles: the camera keeps its angles relative to the target.
  camera.fov = fov;
  camera.setTarget(target);
  camera.alpha = alpha;
  camera.beta = beta;
  camera.radius = distance;
  camera.lowerRadiusLimit = null;
  camera.upperRadiusLimit = null;
  camera.lowerBetaLimit = null;
  camera.upperBetaLimit = null;
  camera.minZ = Math.max(distance - size, distance * 0.02) * 0.5;
  camera.maxZ = distance + size * 2;
}

function boxCorners({ min, max }: { min: Vector3; max: Vector3 }): Vector3[] {
  return [0, 1, 2, 3, 4, 5, 6, 7].map(
    (i) => new Vector3(i & 1 ? max.x : min.x, i & 2 ? max.y : min.y, i & 4 ? max.z : min.z),
  );
}

function regionOf(bounds: Bounds, region: PresetShot['region']): { min: Vector3; max: Vector3 } {
  if (region === 'whole') return bounds;
  const { min, max } = bounds;
  const height = max.y - min.y;
  const bottom = max.y - height * HEAD_AND_SHOULDERS;
  // Arms held out (a T-pose) would widen the shot to the hands: keep it about as wide as it is tall.
  const halfWidth = Math.min((max.x - min.x) / 2, height * HEAD_AND_SHOULDERS * 0.75);
  const centerX = (min.x + max.x) / 2;
  return {
    min: new Vector3(centerX - halfWidth, bottom, min.z),
    max: new Vector3(centerX + halfWidth, max.y, max.z),
  };
}

interface Axes {
  forward: Vector3;
  right: Vector3;
  up: Vector3;
  tanH: number;
  tanV: number;
}

/** The smallest distance from `target` at which every corner is inside the frame. */
function fitDistance(corners: readonly Vector3[], target: Vector3, axes: Axes): number {
  let distance = 0;
  for (const corner of corners) {
    const d = corner.subtract(target);
    const depth = Vector3.Dot(d, axes.forward);
    distance = Math.max(
      distance,
      Math.abs(Vector3.Dot(d, axes.right)) / axes.tanH - depth,
      Math.abs(Vector3.Dot(d, axes.up)) / axes.tanV - depth,
    );
  }
  return distance;
}

/** Moves the target so that the corners' projection, seen from `distance`, is centred on the frame. */
function recenter(corners: readonly Vector3[], target: Vector3, distance: number, axes: Axes): Vector3 {
  let [left, right, bottom, top] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const corner of corners) {
    const d = corner.subtract(target);
    const depth = distance + Vector3.Dot(d, axes.forward);
    const x = Vector3.Dot(d, axes.right) / depth;
    const y = Vector3.Dot(d, axes.up) / depth;
    left = Math.min(left, x);
    right = Math.max(right, x);
    bottom = Math.min(bottom, y);
    top = Math.max(top, y);
  }
  return target
    .add(axes.right.scale(((left + right) / 2) * distance))
    .add(axes.up.scale(((bottom + top) / 2) * distance));
}
