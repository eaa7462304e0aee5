import { type ResourceLimits, Worker } from 'node:worker_threads';
import {
  AssetCoreError,
  type AssetCoreErrorCode,
  type AssetMetadata,
  type InspectAssetOptions,
  inspectAsset,
  type ValidateGlbOptions,
  type ValidationReport,
  validateGlb,
} from '@avatar/asset-core';
import { loadDecoders } from './codecs.ts';
import { sharedBytesPool } from './shared-bytes.ts';

export type ValidateFn = (
  bytes: Uint8Array,
  options: Partial<ValidateGlbOptions>,
) => Promise<ValidationReport>;

/** Rejects with an `AssetCoreError` for a file it cannot read, or a `ThreadJobError` when the thread failed. */
export type InspectFn = (bytes: Uint8Array) => Promise<AssetMetadata>;

/** What the thread is asked to do (`validate-thread.worker.ts` does it). */
export type ThreadJob =
  | { kind: 'validate'; bytes: Uint8Array; options: Partial<ValidateGlbOptions> }
  | { kind: 'inspect'; bytes: Uint8Array; options: Partial<Pick<InspectAssetOptions, 'maxListLength'>> }
  /** Only for threads started with `testHooks`: behave as a broken decoder would. */
  | { kind: 'test-exit' | 'test-hang' | 'test-oom' };

export type JobReply =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: AssetCoreErrorCode; message: string } }
  /** An exception that is not about the file: a bug, reported as such. */
  | { fault: string };

/** The thread stopped or was stopped while it held this job; nothing is known about the file. */
export class ThreadJobError extends Error {
  override readonly name = 'ThreadJobError';
  constructor(
    readonly reason: 'timeout' | 'out-of-memory' | 'crashed' | 'closed',
    message: string,
  ) {
    super(message);
  }
}

export interface AssetThreadOptions {
  /** A job still running after this long is given up and its thread replaced. */
  timeoutMs: number;
  /** The thread's own heap; past it, only the thread dies. (WASM memory is not counted by V8.) */
  resourceLimits: ResourceLimits;
  /** Compile the Draco and meshopt decoders as soon as the thread starts. */
  preloadDecoders: boolean;
  /** Accept the `test-*` jobs. Never set outside tests. */
  testHooks: boolean;
}

export const ASSET_THREAD_DEFAULTS: Readonly<AssetThreadOptions> = Object.freeze({
  timeoutMs: 120_000,
  resourceLimits: { maxOldGenerationSizeMb: 1024 },
  preloadDecoders: false,
  testHooks: false,
});

interface Entry {
  id: number;
  job: ThreadJob;
  resolve: (reply: JobReply) => void;
  reject: (error: ThreadJobError) => void;
}

/**
 * Untrusted bytes handled on a thread of their own: the Khronos validator (the costly step of an upload,
 * all synchronous, which on the API's thread would stall every other request) and the inspection (which
 * decodes Draco and meshopt geometry, WASM that may abort, run out of memory or loop on a hostile file).
 * One worker per instance, started on first use and not keeping the process alive; one job at a time, so
 * that when the worker dies (or is stopped after `timeoutMs`) the job it held is the one that fails, and the
 * jobs queued behind it run on a fresh worker. Bytes are shared with the worker, not copied. Only if the
 * worker cannot start at all do jobs run in-process, as they would without threads.
 */
export class AssetThread {
  private readonly options: AssetThreadOptions;
  private worker: Worker | null = null;
  private ready = false;
  private current: { entry: Entry; timer: NodeJS.Timeout } | null = null;
  private readonly queue: Entry[] = [];
  private nextId = 1;
  private broken = false;

  constructor(options: Partial<AssetThreadOptions> = {}) {
    this.options = { ...ASSET_THREAD_DEFAULTS, ...options };
  }

  /** `validateGlb` on the thread; never rejects: a thread that failed on the file gives an error report. */
  readonly validate: ValidateFn = async (bytes, options) => {
    if (this.broken) return validateGlb(bytes, options);
    try {
      return (await this.value({ kind: 'validate', bytes: shared(bytes), options })) as ValidationReport;
    } catch (error) {
      if (!(error instanceof ThreadJobError)) throw error;
      return validatorFailed(error);
    }
  };

  /** `inspectAsset` on the thread, with the decoders loaded there. */
  readonly inspect: InspectFn = async (bytes) => {
    if (this.broken) return inspectAsset(bytes, { dependencies: (await loadDecoders()).dependencies });
    return (await this.value({ kind: 'inspect', bytes: shared(bytes), options: {} })) as AssetMetadata;
  };

  /** Runs one job; rejects with a `ThreadJobError` when the thread dies or times out on it. */
  run(job: ThreadJob): Promise<JobReply> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.pump();
    });
  }

  /** Starts the thread ahead of the first upload, so that one does not wait for it. */
  warmUp(): void {
    if (!this.broken) this.start();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = false;
    const closed = () => new ThreadJobError('closed', 'The server is shutting down; try again.');
    if (this.current) {
      clearTimeout(this.current.timer);
      retireBytes(this.current.entry.job);
      this.current.entry.reject(closed());
      this.current = null;
    }
    for (const entry of this.queue.splice(0)) entry.reject(closed());
    await worker?.terminate();
  }

  private async value(job: ThreadJob): Promise<unknown> {
    const reply = await this.run(job);
    if ('fault' in reply) throw new Error(`asset thread: ${reply.fault}`);
    if (!reply.ok) throw new AssetCoreError(reply.error.code, reply.error.message);
    return reply.value;
  }

  private pump(): void {
    if (this.broken) {
      this.drainInProcess();
      return;
    }
    if (this.current) return;
    if (this.queue.length === 0) {
      this.worker?.unref(); // idle: the thread does not keep the process alive
      return;
    }
    const worker = this.start();
    // Work waiting or in flight keeps the process alive (a script awaiting a report, say).
    worker.ref();
    if (!this.ready) return; // the ready message pumps again
    const entry = this.queue.shift()!;
    const timer = setTimeout(() => this.timedOut(entry), this.options.timeoutMs);
    timer.unref();
    this.current = { entry, timer };
    worker.postMessage({ id: entry.id, job: entry.job });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./validate.worker.mjs', import.meta.url), {
      resourceLimits: this.options.resourceLimits,
      workerData: { testHooks: this.options.testHooks, preloadDecoders: this.options.preloadDecoders },
    });
    worker.unref();
    let started = false;
    let failure: unknown = null;
    worker.on('message', (message: { ready?: boolean; id?: number } & Partial<JobReply>) => {
      if (this.worker !== worker) return;
      if (message.ready) {
        started = true;
        this.ready = true;
        this.pump();
        return;
      }
      const current = this.current;
      if (!current || current.entry.id !== message.id) return;
      clearTimeout(current.timer);
      this.current = null;
      current.entry.resolve(message as JobReply);
      this.pump();
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.ready = false;
      // A thread that never started will not start next time either: run in-process from now on.
      if (!started) this.broken = true;
      const current = this.current;
      this.current = null;
      if (current) {
        clearTimeout(current.timer);
        current.entry.reject(lostOn(failure));
      }
      this.pump();
    });
    this.worker = worker;
    this.ready = false;
    return worker;
  }

  private timedOut(entry: Entry): void {
    if (this.current?.entry !== entry) return;
    this.current = null;
    retireBytes(entry.job);
    const seconds = Math.round(this.options.timeoutMs / 1000);
    entry.reject(new ThreadJobError('timeout', `did not finish within ${seconds} s`));
    // The thread may be stuck in that file: replace it for the jobs behind.
    const worker = this.worker;
    this.worker = null;
    this.ready = false;
    void worker?.terminate();
    this.pump();
  }

  /** Without threads: the queue runs here, as `validateGlb` and `inspectAsset` would anyway. */
  private drainInProcess(): void {
    for (const entry of this.queue.splice(0)) {
      inProcess(entry.job).then(entry.resolve, (error: unknown) =>
        entry.resolve({ fault: error instanceof Error ? error.message : String(error) }),
      );
    }
  }
}

async function inProcess(job: ThreadJob): Promise<JobReply> {
  if (job.kind === 'validate') return { ok: true, value: await validateGlb(job.bytes, job.options) };
  if (job.kind !== 'inspect') return { fault: `${job.kind} needs a thread` };
  try {
    const { dependencies } = await loadDecoders();
    return { ok: true, value: await inspectAsset(job.bytes, { ...job.options, dependencies }) };
  } catch (error) {
    if (!(error instanceof AssetCoreError)) throw error;
    return { ok: false, error: { code: error.code, message: error.message } };
  }
}

/** The worker may read a given-up job's bytes until it is terminated: their buffer is not reused. */
function retireBytes(job: ThreadJob): void {
  if ('bytes' in job) sharedBytesPool().retire(job.bytes);
}

function lostOn(failure: unknown): ThreadJobError {
  const code = (failure as { code?: unknown } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ThreadJobError('out-of-memory', 'needed more memory than a file is allowed');
  }
  return new ThreadJobError('crashed', 'stopped before it finished');
}

/** The bytes in shared memory, so that posting them to the thread copies nothing (copied once if need be). */
export function shared(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  copy.set(bytes);
  return copy;
}

function validatorFailed(error: ThreadJobError): ValidationReport {
  const message =
    error.reason === 'closed'
      ? error.message
      : `Validation ${error.message}; the file ${error.reason === 'timeout' ? 'is too complex' : 'could not be checked'}.`;
  return {
    valid: false,
    errors: [{ source: 'khronos', code: 'VALIDATOR_FAILED', message }],
    warnings: [],
    infoCount: 0,
    hintCount: 0,
    stats: null,
    khronos: null,
  };
}

let validator: AssetThread | undefined;
let inspector: AssetThread | undefined;

/** The process's validator thread. */
export function sharedValidatorThread(): AssetThread {
  validator ??= new AssetThread();
  return validator;
}

/** The process's inspection thread: uploads are read (and their geometry decoded) there. */
export function sharedInspectorThread(): AssetThread {
  inspector ??= new AssetThread({ timeoutMs: 60_000, preloadDecoders: true });
  return inspector;
}
