import type { Scene } from '@babylonjs/core/scene';

/**
 * Starts, before any model has arrived, what drawing the first glTF avatar on this scene will wait on:
 * the code of the shaders it uses (Babylon imports a material's shader source only when the material
 * first compiles: one more round of downloads after the models are parsed) and the environment BRDF
 * lookup texture every PBR material samples (an embedded image decoded on the GPU on first use).
 */
export function prepareMaterials(scene: Scene): void {
  const shaders = [
    // The floor and the built-in shape (standard material).
    import('@babylonjs/core/Shaders/default.vertex'),
    import('@babylonjs/core/Shaders/default.fragment'),
    // Every glTF material (PBR), and the pass that decodes the BRDF texture.
    import('@babylonjs/core/Shaders/pbr.vertex'),
    import('@babylonjs/core/Shaders/pbr.fragment'),
    import('@babylonjs/core/Shaders/rgbdDecode.fragment'),
    import('@babylonjs/core/Shaders/postprocess.vertex'),
  ];
  // Only warmed here: a failure surfaces where the material itself imports its shaders.
  for (const shader of shaders) shader.catch(() => {});
  import('@babylonjs/core/Misc/brdfTextureTools')
    .then(({ GetEnvironmentBRDFTexture }) => {
      if (!scene.isDisposed) GetEnvironmentBRDFTexture(scene);
    })
    .catch(() => {});
}
