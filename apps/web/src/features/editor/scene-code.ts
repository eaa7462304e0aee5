import { loadGltfModules } from '../../engine/gltf-modules.ts';

type SceneCode = typeof import('./scene-controller.ts');

let pending: Promise<SceneCode> | null = null;

/**
 * The editor's 3D code (Babylon and the scene), imported once however many callers ask. A failed import
 * is forgotten, so a later call (the player reloading the view) tries again. The glTF loader's code is
 * requested in the same breath: the avatar is a glTF model, and it would otherwise be asked for only
 * once the engine's code has run.
 */
export function loadSceneCode(): Promise<SceneCode> {
  if (!pending) {
    loadGltfModules().catch(() => {});
    const attempt = import('./scene-controller.ts');
    pending = attempt;
    attempt.catch(() => {
      if (pending === attempt) pending = null;
    });
  }
  return pending;
}
