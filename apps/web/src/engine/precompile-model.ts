import type { AbstractMesh } from '@babylonjs/core/Meshes/abstractMesh';
import type { LoadedModel } from './gltf-loader.ts';

/** How often a mesh still compiling is asked again (Babylon's own `forceCompilation` polls at 16 ms). */
const POLL_MS = 16;
/** Past this, the scene's own readiness check (the first frame's) takes over alone. */
const GIVE_UP_MS = 10_000;

/**
 * Starts compiling the shaders a just-parsed model will be drawn with, while the other models of the
 * avatar are still downloading or being parsed, instead of once all of them are in the scene: with
 * parallel shader compilation the GPU process links the programs on the other core meanwhile, and the
 * first frame finds them ready (Babylon caches effects by their defines, so the scene's own check reuses
 * them). Nothing is drawn.
 *
 * The defines must be those the mesh will have in the scene, or the work is wasted: the avatar's meshes
 * take no fog (`AvatarModel`), and the lights are resolved now, as adding the mesh to the scene will
 * resolve them again. World matrices are computed by `isReady`, so non-uniform scaling is seen as it is.
 */
export function precompileModel(model: LoadedModel): void {
  const started = performance.now();
  for (const mesh of model.container.meshes) {
    mesh.applyFog = false;
    // Internal, but what `Scene.addMesh` calls: a mesh in a container not yet added has no lights.
    (mesh as AbstractMesh & { _resyncLightSources(): void })._resyncLightSources();
    const poll = () => {
      if (mesh.isDisposed() || performance.now() - started > GIVE_UP_MS) return;
      // `isReady(true)` creates each submesh's effect (compiled asynchronously) and reports whether all are.
      if (!mesh.isReady(true)) setTimeout(poll, POLL_MS);
    };
    poll();
  }
}
