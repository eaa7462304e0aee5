import type { AssetUrl, AssetVariant } from '@avatar/contracts';
import { api } from '../api/trpc.ts';
import { signedUrlExpiry } from './resource-key.ts';

type Lookup = (input: { id: string; variant: AssetVariant }) => Promise<AssetUrl>;

export interface AssetUrlResolverOptions {
  lookup?: Lookup;
  /** A URL is dropped this long before it expires, so a download started with it still succeeds. */
  marginMs?: number;
  /** How long a URL that names no expiry (a CDN URL) is kept. */
  unsignedTtlMs?: number;
  /** How long a refusal (no such variant yet, no such asset) is remembered. */
  failureTtlMs?: number;
  now?: () => number;
}

interface Entry {
  expiresAt: number;
  value: Promise<AssetUrl>;
}

/**
 * Where to download an asset (one variant) from, remembered until shortly before the signed URL
 * expires. Asking again for the same asset at the same time shares one request.
 */
export class AssetUrlResolver {
  readonly #lookup: Lookup;
  readonly #marginMs: number;
  readonly #unsignedTtlMs: number;
  readonly #failureTtlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: AssetUrlResolverOptions = {}) {
    this.#lookup = options.lookup ?? ((input) => api.uploads.assetUrl.query(input));
    this.#marginMs = options.marginMs ?? 60_000;
    this.#unsignedTtlMs = options.unsignedTtlMs ?? 10 * 60_000;
    this.#failureTtlMs = options.failureTtlMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  resolve(id: string, variant: AssetVariant = 'original'): Promise<AssetUrl> {
    const key = `${id}:${variant}`;
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    // Until the answer arrives, later callers share the request.
    const entry: Entry = { expiresAt: Number.POSITIVE_INFINITY, value: this.#lookup({ id, variant }) };
    this.#entries.set(key, entry);
    entry.value.then(
      (answer) => {
        const expiry = signedUrlExpiry(answer.url);
        entry.expiresAt = expiry === null ? this.#now() + this.#unsignedTtlMs : expiry - this.#marginMs;
      },
      () => {
        // Remembered for a short while too: an asset without this variant (not processed yet) would
        // otherwise be asked about on every change of the avatar.
        entry.expiresAt = this.#now() + this.#failureTtlMs;
      },
    );
    return entry.value;
  }

  forget(id: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(`${id}:`)) this.#entries.delete(key);
  }
}

export const assetUrls = new AssetUrlResolver();
