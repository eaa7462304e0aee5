import { resourceKey } from './resource-key.ts';

/** A download that failed: `status` is the HTTP status, or null when the server was not reached. */
export class ResourceError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'ResourceError';
  }
}

export interface ResourceLoaderOptions {
  /** Downloaded files kept in memory at most; the least recently used goes first. */
  maxEntries?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_MAX_ENTRIES = 50;

/**
 * Downloaded model files (GLB bytes), shared by the editor's scene and the preloader: an LRU cache by
 * URL (signature left out), and one download per URL however many callers ask for it at once.
 */
export class ResourceLoader {
  readonly maxEntries: number;
  readonly #fetch: typeof fetch;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Uint8Array>();
  readonly #inFlight = new Map<string, Promise<Uint8Array>>();
  #downloads = 0;

  constructor(options: ResourceLoaderOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * The file's bytes, from memory when they are there. A caller's `signal` stops its own wait, not
   * the download, which others may share (and which the cache keeps for next time).
   */
  get(url: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const key = resourceKey(url);
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return Promise.resolve(hit);
    }
    let download = this.#inFlight.get(key);
    if (!download) {
      download = this.#download(url, key);
      this.#inFlight.set(key, download);
    }
    return options.signal ? abortable(download, options.signal) : download;
  }

  /** True when the file is in memory (a `get` would not touch the network). */
  has(url: string): boolean {
    return this.#entries.has(resourceKey(url));
  }

  /** How many downloads actually went to the network (for tests and the benchmark). */
  get downloads(): number {
    return this.#downloads;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    let total = 0;
    for (const bytes of this.#entries.values()) total += bytes.byteLength;
    return total;
  }

  clear(): void {
    this.#entries.clear();
  }

  async #download(url: string, key: string): Promise<Uint8Array> {
    this.#downloads++;
    try {
      let response: Response;
      try {
        response = await this.#fetch(url, { credentials: 'same-origin' });
      } catch (error) {
        throw new ResourceError(
          null,
          `Could not fetch the file: ${error instanceof Error ? error.message : error}`,
        );
      }
      if (!response.ok)
        throw new ResourceError(response.status, `Could not fetch the file: HTTP ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      this.#entries.set(key, bytes);
      while (this.#entries.size > this.maxEntries) {
        const oldest = this.#entries.keys().next().value as string;
        this.#entries.delete(oldest);
      }
      return bytes;
    } finally {
      this.#inFlight.delete(key);
    }
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The one loader the app shares: what the preloader fetched, the editor finds. */
export const resourceLoader = new ResourceLoader();
