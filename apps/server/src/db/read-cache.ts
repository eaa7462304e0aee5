import type { ChangeFeed, Channel } from './change-feed.ts';

/**
 * Results of database reads kept in memory while the change feed says nothing they were read from has
 * changed: emptied on every change of its channel, bypassed while the feed is down or just after this
 * process wrote. Least recently used entries go first past `maxEntries` (a Map keeps insertion order).
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(
    private readonly feed: ChangeFeed,
    private readonly channel: Channel,
    private readonly maxEntries: number,
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
      if (cached !== undefined) {
        this.entries.delete(key);
        this.entries.set(key, cached);
        return cached;
      }
    }
    const version = this.feed.version(this.channel);
    const value = await read();
    if (keep(value) && this.feed.trusted(this.channel, version)) {
      this.entries.set(key, value);
      if (this.entries.size > this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
