import type { ChangeFeed, Channel } from './change-feed.ts';

/**
 * Results of database reads kept in memory while the change feed says nothing they were read from has
 * changed: emptied on every change of its channel, bypassed while the feed is down or just after this
 * process wrote. Least recently used entries go first past `maxEntries` (a Map keeps insertion order).
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  /** `maxAgeMs` bounds what a change cannot: signed URLs inside a value expire on their own. */
  constructor(
    private readonly feed: ChangeFeed,
    private readonly channel: Channel,
    private readonly maxEntries: number,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {
    feed.onChange(channel, () => this.entries.clear());
  }

  /**
   * `read()`'s answer for `key`: from memory when it may be trusted; otherwise read, and kept when
   * `keep(value)` says so and nothing on the channel changed while it was being read.
   */
  async through(key: string, read: () => Promise<V>, keep: (value: V) => boolean): Promise<V> {
    if (this.feed.trusted(this.channel)) {
      const cached = this.entries.get(key);
      if (cached && cached.until > Date.now()) {
        this.entries.delete(key);
        this.entries.set(key, cached);
        return cached.value;
      }
    }
    const version = this.feed.version(this.channel);
    const value = await read();
    if (keep(value) && this.feed.trusted(this.channel, version)) {
      this.entries.set(key, { value, until: Date.now() + this.maxAgeMs });
      if (this.entries.size > this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return value;
  }
}

export interface ReadCacheSpec {
  /** One cache per name and change feed (that is, per process). */
  name: string;
  channel: Channel;
  maxEntries: number;
  maxAgeMs?: number;
}

const caches = new WeakMap<ChangeFeed, Map<string, ReadCache<unknown>>>();

/**
 * `read()` through the named cache of this process's change feed; straight to the database when there is
 * no feed (a process or test without one caches nothing).
 */
export function cachedRead<V>(
  changes: ChangeFeed | undefined,
  spec: ReadCacheSpec,
  key: string,
  read: () => Promise<V>,
  keep: (value: V) => boolean = () => true,
): Promise<V> {
  if (!changes) return read();
  let named = caches.get(changes);
  if (!named) {
    named = new Map();
    caches.set(changes, named);
  }
  let cache = named.get(spec.name) as ReadCache<V> | undefined;
  if (!cache) {
    cache = new ReadCache<V>(changes, spec.channel, spec.maxEntries, spec.maxAgeMs);
    named.set(spec.name, cache as ReadCache<unknown>);
  }
  return cache.through(key, read, keep);
}
