/**
 * meshoptimizer for the tests. asset-core never imports an encoder (callers pass them in), and it has no
 * dependency on meshoptimizer; the tests borrow the copy the server installed, as bench/ does.
 */
const MESHOPT = new URL('../../../apps/server/node_modules/meshoptimizer/index.js', import.meta.url);

export async function loadSimplifier(): Promise<unknown> {
  const { MeshoptSimplifier } = (await import(MESHOPT.href)) as {
    MeshoptSimplifier: { ready: Promise<void> };
  };
  await MeshoptSimplifier.ready;
  return MeshoptSimplifier;
}
