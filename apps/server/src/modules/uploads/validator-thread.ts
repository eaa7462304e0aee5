import { Worker } from 'node:worker_threads';
import { type ValidateGlbOptions, type ValidationReport, validateGlb } from '@avatar/asset-core';

export type ValidateFn = (
  bytes: Uint8Array,
  options: Partial<ValidateGlbOptions>,
) => Promise<ValidationReport>;

interface Pending {
  resolve: (report: ValidationReport) => void;
  timer: NodeJS.Timeout;
  bytes: Uint8Array;
  options: Partial<ValidateGlbOptions>;
}

/**
 * The Khronos validator on a thread of its own. It is the costly step of an upload (tens of milliseconds
 * per megabyte, all synchronous), so on the main thread it would stall every other request meanwhile;
 * here the main thread reads and inspects the same file at the same time. One thread per process, started
 * on first use and not keeping the process alive. If the thread cannot run, validation runs in-process.
 */
export class ValidatorThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken = false;

  constructor(private readonly timeoutMs = 120_000) {}

  readonly validate: ValidateFn = (bytes, options) => {
    if (this.broken) return validateGlb(bytes, options);
    const worker = this.start();
    return new Promise((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => this.timedOut(id), this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, timer, bytes, options });
      worker.postMessage({ id, bytes, options });
    });
  };

  /** Starts the thread ahead of the first upload, so that one does not wait for it. */
  warmUp(): void {
    if (!this.broken) this.start();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./validate.worker.mjs', import.meta.url));
    worker.unref();
    let started = false;
    worker.on('message', (message: { ready?: boolean; id?: number; report?: ValidationReport }) => {
      if (message.ready) started = true;
      const entry = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!entry || !message.report) return;
      this.pending.delete(message.id!);
      clearTimeout(entry.timer);
      entry.resolve(message.report);
    });
    const lost = () => {
      if (this.worker !== worker) return;
      this.worker = null;
      // A thread that never started will not start next time either: validate in-process from now on.
      if (!started) this.broken = true;
      this.retryInProcess();
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
    return worker;
  }

  /** Requests the thread took with it when it died are answered in-process. */
  private retryInProcess(): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      validateGlb(entry.bytes, entry.options).then(entry.resolve);
    }
  }

  private timedOut(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.resolve(timeoutReport(this.timeoutMs));
    // The thread may be stuck in that file: replace it; anything else it held is retried in-process.
    const worker = this.worker;
    this.worker = null;
    this.retryInProcess();
    void worker?.terminate();
  }
}

function timeoutReport(ms: number): ValidationReport {
  return {
    valid: false,
    errors: [
      {
        source: 'khronos',
        code: 'VALIDATOR_FAILED',
        message: `Validation did not finish within ${Math.round(ms / 1000)} s; the file is too complex to check.`,
      },
    ],
    warnings: [],
    infoCount: 0,
    hintCount: 0,
    stats: null,
    khronos: null,
  };
}

let shared: ValidatorThread | undefined;

/** The process's validator thread. */
export function sharedValidatorThread(): ValidatorThread {
  shared ??= new ValidatorThread();
  return shared;
}
