interface Entry {
  expiresAt: number;
  value: Promise<unknown>;
}

/**
 * Remembers the promise of each query for a while. Sharing the promise, not the value, also folds
 * identical requests made at the same time into one. A failed query is forgotten at once, so the next
 * call tries again.
 */
export class QueryCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(ttlMs: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value as Promise<T>;
    const value = load();
    const entry = { expiresAt: now + this.#ttlMs, value };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }

  /** Stores a value fetched some other way (a fresh poll), so later readers see it too. */
  set<T>(key: string, value: T): void {
    this.#entries.set(key, { expiresAt: this.#now() + this.#ttlMs, value: Promise.resolve(value) });
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** A key that does not depend on property order or on properties left undefined. */
export function cacheKey(procedure: string, input: unknown): string {
  return `${procedure}:${JSON.stringify(input ?? null, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : value,
  )}`;
}
