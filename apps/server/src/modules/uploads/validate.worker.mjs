// Entry of the validator thread. Node 20 cannot load TypeScript by itself: under `tsx` the loader reaches
// worker threads through execArgv, under other runners (vitest) it does not, so register it then.
try {
  await import('./validate-thread.worker.ts');
} catch (error) {
  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  const { register } = await import('tsx/esm/api');
  register();
  // A new URL: the failed import above stays cached under the old one.
  await import('./validate-thread.worker.ts?tsx');
}
