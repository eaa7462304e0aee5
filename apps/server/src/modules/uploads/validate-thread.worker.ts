import { parentPort, workerData } from 'node:worker_threads';
import { inspectAsset, isAssetCoreError, validateGlb } from '@avatar/asset-core';
import { loadDecoders } from './codecs.ts';
import type { JobReply, ThreadJob } from './validator-thread.ts';

/**
 * Runs in an asset thread: one job per message (the main side sends the next only once this one is
 * answered), answered by id. The Draco and meshopt decoders are loaded here, once, and never on the API's
 * thread, so a decoder that aborts, runs out of memory or loops on a hostile file takes only this thread down.
 */
const port = parentPort;
if (!port) throw new Error('validate-thread.worker.ts runs inside a worker thread');
const data = (workerData ?? {}) as { testHooks?: boolean; preloadDecoders?: boolean };

async function run(job: ThreadJob): Promise<JobReply> {
  switch (job.kind) {
    case 'validate':
      return { ok: true, value: await validateGlb(job.bytes, job.options) };
    case 'inspect': {
      const { dependencies } = await loadDecoders(); // loaded once per thread
      try {
        return { ok: true, value: await inspectAsset(job.bytes, { ...job.options, dependencies }) };
      } catch (error) {
        if (!isAssetCoreError(error)) throw error;
        return { ok: false, error: { code: error.code, message: error.message } };
      }
    }
    default:
      return runTestHook(job.kind);
  }
}

/** What a misbehaving decoder does, on demand; only for threads a test started with `testHooks`. */
function runTestHook(kind: string): never {
  if (!data.testHooks) throw new Error(`unknown job ${kind}`);
  if (kind === 'test-exit') process.exit(1); // what an Emscripten abort() does in Node
  if (kind === 'test-oom') {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array(1_000_000).fill(hoard.length)); // grows as a leaking decoder would
  }
  for (;;) {
    // test-hang: a decoder stuck in a loop
  }
}

port.on('message', async ({ id, job }: { id: number; job: ThreadJob }) => {
  let reply: JobReply;
  try {
    reply = await run(job);
  } catch (error) {
    reply = { fault: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage({ id, ...reply });
});
port.postMessage({ ready: true });
// The WASM modules compile while the thread waits for its first file (a failure shows on that file).
if (data.preloadDecoders) loadDecoders().catch(() => {});
