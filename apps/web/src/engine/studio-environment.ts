import { Constants } from '@babylonjs/core/Engines/constants';
import { RawCubeTexture } from '@babylonjs/core/Materials/Textures/rawCubeTexture';
import { CubeMapToSphericalPolynomialTools } from '@babylonjs/core/Misc/HighDynamicRange/cubemapToSphericalPolynomial';
import type { Scene } from '@babylonjs/core/scene';

type Rgb = readonly [number, number, number];

/** Linear colors of the generated studio: a cool sky, a bright warm horizon, a dim floor. */
const ZENITH: Rgb = [0.55, 0.62, 0.78];
const HORIZON: Rgb = [0.9, 0.87, 0.82];
const FLOOR_EDGE: Rgb = [0.42, 0.4, 0.38];
const NADIR: Rgb = [0.16, 0.15, 0.15];

const FACE_SIZE = 32;

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Radiance seen along a direction whose vertical component is `y` (unit vector): only height matters. */
function studioColor(y: number): Rgb {
  return y >= 0 ? mix(HORIZON, ZENITH, Math.sqrt(y)) : mix(FLOOR_EDGE, NADIR, Math.sqrt(-y));
}

/**
 * The direction through texel (s, t) of each cube face, in the order
 * WebGL wants faces (+X, -X, +Y, -Y, +Z, -Z); s and t run from -1 to 1 across columns and rows.
 */
const FACE_DIRECTION: ReadonlyArray<(s: number, t: number) => [number, number, number]> = [
  (s, t) => [1, -t, -s],
  (s, t) => [-1, -t, s],
  (s, t) => [s, 1, t],
  (s, t) => [s, -1, -t],
  (s, t) => [s, -t, 1],
  (s, t) => [-s, -t, -1],
];

function buildFaces(size: number): Uint8Array[] {
  return FACE_DIRECTION.map((direction) => {
    const face = new Uint8Array(size * size * 4);
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        const [x, y, z] = direction(((column + 0.5) / size) * 2 - 1, ((row + 0.5) / size) * 2 - 1);
        const color = studioColor(y / Math.hypot(x, y, z));
        const i = (row * size + column) * 4;
        face[i] = Math.round(color[0] * 255);
        face[i + 1] = Math.round(color[1] * 255);
        face[i + 2] = Math.round(color[2] * 255);
        face[i + 3] = 255;
      }
    }
    return face;
  });
}

/**
 * A small studio environment generated in memory, so PBR materials (metals above all, which only
 * reflect) are lit without fetching Babylon's default environment from its CDN. Its mip chain stands
 * in for roughness prefiltering, and its irradiance is computed once on the CPU from the same texels.
 */
export function createStudioEnvironment(scene: Scene): RawCubeTexture {
  const faces = buildFaces(FACE_SIZE);
  const texture = new RawCubeTexture(
    scene,
    faces,
    FACE_SIZE,
    Constants.TEXTUREFORMAT_RGBA,
    Constants.TEXTURETYPE_UNSIGNED_BYTE,
    true,
    false,
    Constants.TEXTURE_TRILINEAR_SAMPLINGMODE,
  );
  texture.name = 'studio-environment';
  texture.gammaSpace = false;
  const [right, left, up, down, front, back] = faces;
  texture.sphericalPolynomial = CubeMapToSphericalPolynomialTools.ConvertCubeMapToSphericalPolynomial({
    size: FACE_SIZE,
    right: right!,
    left: left!,
    up: up!,
    down: down!,
    front: front!,
    back: back!,
    format: Constants.TEXTUREFORMAT_RGBA,
    type: Constants.TEXTURETYPE_UNSIGNED_BYTE,
    gammaSpace: false,
  });
  return texture;
}
