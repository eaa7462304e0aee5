type LoaderModules = [
  typeof import('@babylonjs/loaders/glTF/2.0/glTFLoader.pure'),
  typeof import('@babylonjs/core/Meshes/instancedMesh.pure'),
];

let loader: Promise<LoaderModules> | null = null;

/**
 * Starts downloading the glTF loader's code, and the modules it would import one after another once a
 * model has arrived (the materials, then the animations, then the extensions), all at once: the same
 * modules the loader imports on demand, so the bundler's chunks are shared and nothing loads twice.
 * Called as early as the page knows it will draw a model (the editor: with the engine's own code), and
 * again, harmlessly, when the loader registers. Resolves to the loader itself.
 */
export function loadGltfModules(): Promise<LoaderModules> {
  if (loader) return loader;
  const later = [
    import('@babylonjs/core/Materials/PBR/pbrMaterial.pure'),
    import('@babylonjs/loaders/glTF/2.0/pbrMaterialLoadingAdapter'),
    import('@babylonjs/core/Animations/animationGroup.pure'),
    import('@babylonjs/loaders/glTF/2.0/glTFLoaderAnimation.pure'),
    // Extensions every model (ExtrasAsMetadata) or every optimized variant the server makes uses
    // (meshopt, quantized attributes, texture transforms): otherwise fetched only once a model has been parsed.
    import('@babylonjs/loaders/glTF/2.0/Extensions/ExtrasAsMetadata.pure'),
    import('@babylonjs/loaders/glTF/2.0/Extensions/EXT_meshopt_compression.pure'),
    import('@babylonjs/loaders/glTF/2.0/Extensions/KHR_mesh_quantization.pure'),
    import('@babylonjs/loaders/glTF/2.0/Extensions/KHR_texture_transform.pure'),
  ];
  // Only warmed here: a failure surfaces where the loader itself imports the module.
  for (const module of later) module.catch(() => {});
  const attempt = Promise.all([
    import('@babylonjs/loaders/glTF/2.0/glTFLoader.pure'),
    import('@babylonjs/core/Meshes/instancedMesh.pure'),
  ]);
  loader = attempt;
  // A failed download is tried again by the next caller.
  attempt.catch(() => {
    if (loader === attempt) loader = null;
  });
  return attempt;
}
