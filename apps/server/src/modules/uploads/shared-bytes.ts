/**
 * Shared memory for handing an upload's bytes to the asset threads, kept for reuse. A fresh
 * SharedArrayBuffer is zeroed and faulted in page by page: on these VMs, 700 KB of it cost 4-5 ms when
 * uploads came back to back (a CPU profile of the pipeline put a third of its main-thread time there),
 * while a copy into memory already in use takes a fraction of a millisecond.
 */
export interface SharedBytesOptions {
  /** Free buffers kept for later uploads, in bytes all together; what is released beyond it is dropped. */
  maxRetainedBytes: number;
  /** The smallest buffer made: small uploads share one size class. */
  minBufferBytes: number;
  /**
   * The largest buffer kept: a rarer, larger upload gets memory of its own, freed with it (its validation
   * takes long enough that the allocation does not count).
   */
  maxBufferBytes: number;
}

export const SHARED_BYTES_DEFAULTS: Readonly<SharedBytesOptions> = Object.freeze({
  maxRetainedBytes: 32 * 1024 * 1024,
  minBufferBytes: 64 * 1024,
  maxBufferBytes: 16 * 1024 * 1024,
});

/** Bytes copied into shared memory; hand `bytes` to the threads and call `release` once none reads them. */
export interface SharedLease {
  bytes: Uint8Array;
  release: () => void;
}

export class SharedBytesPool {
  private readonly options: SharedBytesOptions;
  private readonly free: SharedArrayBuffer[] = [];
  private retained = 0;
  /** Buffers a thread may still be reading after its job was given up: never handed out again. */
  private readonly retired = new WeakSet<ArrayBufferLike>();

  constructor(options: Partial<SharedBytesOptions> = {}) {
    this.options = { ...SHARED_BYTES_DEFAULTS, ...options };
  }

  /** A copy of `bytes` in shared memory: a free buffer that is large enough, or a new one. */
  lease(bytes: Uint8Array): SharedLease {
    const buffer = this.take(bytes.byteLength);
    const view = new Uint8Array(buffer, 0, bytes.byteLength);
    view.set(bytes);
    let released = false;
    return {
      bytes: view,
      release: () => {
        if (released) return;
        released = true;
        this.give(buffer);
      },
    };
  }

  /**
   * Marks the buffer under `bytes` as not to be reused: a thread that timed out may still be reading it
   * until it is terminated, and the next upload's bytes must not change under it.
   */
  retire(bytes: Uint8Array): void {
    if (bytes.buffer instanceof SharedArrayBuffer) this.retired.add(bytes.buffer);
  }

  /** Bytes held by free buffers (for tests and metrics). */
  get retainedBytes(): number {
    return this.retained;
  }

  private take(size: number): SharedArrayBuffer {
    // The smallest free buffer that fits, so a large one stays for a large upload.
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i]!.byteLength;
      if (length >= size && (best === -1 || length < this.free[best]!.byteLength)) best = i;
    }
    if (best !== -1) {
      const [buffer] = this.free.splice(best, 1);
      this.retained -= buffer!.byteLength;
      return buffer!;
    }
    const length = sizeClass(size, this.options.minBufferBytes);
    return new SharedArrayBuffer(length > this.options.maxBufferBytes ? size : length);
  }

  private give(buffer: SharedArrayBuffer): void {
    if (this.retired.has(buffer) || buffer.byteLength > this.options.maxBufferBytes) return;
    if (this.retained + buffer.byteLength > this.options.maxRetainedBytes) return;
    this.free.push(buffer);
    this.retained += buffer.byteLength;
  }
}

/** The next power of two from `min`, so that uploads of similar sizes reuse each other's buffers. */
function sizeClass(size: number, min: number): number {
  let length = min;
  while (length < size) length *= 2;
  return length;
}

let pool: SharedBytesPool | undefined;

/** The process's pool, shared by every upload and both asset threads. */
export function sharedBytesPool(): SharedBytesPool {
  pool ??= new SharedBytesPool();
  return pool;
}
