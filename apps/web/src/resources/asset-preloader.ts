import type { AssetUrl, AssetVariant } from '@avatar/contracts';
import { type AssetUrlResolver, assetUrls } from './asset-url-resolver.ts';
import { type ResourceLoader, resourceLoader } from './resource-loader.ts';

type IdleCallback = (work: () => void) => () => void;

export interface AssetPreloaderOptions {
  loader?: ResourceLoader;
  urls?: AssetUrlResolver;
  /** Bytes the preloader may download in all; a file that would pass it is skipped. */
  budgetBytes?: number;
  /** Runs `work` when the browser is idle; returns a cancel function. */
  whenIdle?: IdleCallback;
}

export const DEFAULT_PRELOAD_BUDGET = 24 * 1024 * 1024;

const browserIdle: IdleCallback = (work) => {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(work, { timeout: 2000 });
    return () => cancelIdleCallback(handle);
  }
  const handle = setTimeout(work, 50);
  return () => clearTimeout(handle);
};

/**
 * Downloads, in idle time, the models a player is likely to want next, so picking them shows them at
 * once: one file at a time, in the order given (the caller puts the current config's slots first),
 * until the byte budget is spent. A new plan replaces the one in progress; files already fetched stay.
 */
export class AssetPreloader {
  readonly #loader: ResourceLoader;
  readonly #urls: AssetUrlResolver;
  readonly #whenIdle: IdleCallback;
  readonly budgetBytes: number;
  #spent = 0;
  #plan = 0;
  #cancel: (() => void) | null = null;
  readonly #done = new Set<string>();

  constructor(options: AssetPreloaderOptions = {}) {
    this.#loader = options.loader ?? resourceLoader;
    this.#urls = options.urls ?? assetUrls;
    this.#whenIdle = options.whenIdle ?? browserIdle;
    this.budgetBytes = options.budgetBytes ?? DEFAULT_PRELOAD_BUDGET;
  }

  /** Bytes downloaded by the preloader so far. */
  get spentBytes(): number {
    return this.#spent;
  }

  /** Starts preloading these asset ids, most likely first. Resolves when the plan is done or replaced. */
  preload(ids: readonly string[], variant: AssetVariant = 'optimized'): Promise<void> {
    this.stop();
    const plan = ++this.#plan;
    const queue = [...new Set(ids)].filter((id) => !this.#done.has(id));
    return new Promise<void>((resolve) => {
      const next = () => {
        this.#cancel = null;
        const id = queue.shift();
        if (plan !== this.#plan || id === undefined || this.#spent >= this.budgetBytes) {
          resolve();
          return;
        }
        void this.#fetchOne(id, variant).finally(() => {
          if (plan === this.#plan) this.#cancel = this.#whenIdle(next);
          else resolve();
        });
      };
      this.#cancel = this.#whenIdle(next);
    });
  }

  stop(): void {
    this.#plan++;
    this.#cancel?.();
    this.#cancel = null;
  }

  async #fetchOne(id: string, variant: AssetVariant): Promise<void> {
    let answer: AssetUrl;
    try {
      answer = await this.#urls.resolve(id, variant);
    } catch {
      // No such variant yet (still processing): the original is what the editor would load.
      try {
        answer = await this.#urls.resolve(id, 'original');
      } catch {
        return;
      }
    }
    this.#done.add(id);
    if (this.#loader.has(answer.url)) return;
    if (this.#spent + answer.bytes > this.budgetBytes) return;
    this.#spent += answer.bytes;
    try {
      await this.#loader.get(answer.url);
    } catch {
      // A file that cannot be fetched now is the editor's to report when someone picks it.
    }
  }
}
