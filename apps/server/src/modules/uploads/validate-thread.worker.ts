import { parentPort } from 'node:worker_threads';
import { type ValidateGlbOptions, validateGlb } from '@avatar/asset-core';

/** Runs in the validator thread: one `validateGlb` per message (it never throws), answered by id. */
interface Request {
  id: number;
  bytes: Uint8Array;
  options: Partial<ValidateGlbOptions>;
}

const port = parentPort;
if (!port) throw new Error('validate-thread.worker.ts runs inside a worker thread');
port.on('message', async ({ id, bytes, options }: Request) => {
  port.postMessage({ id, report: await validateGlb(bytes, options) });
});
port.postMessage({ ready: true });
