import { existsSync } from 'node:fs';
import type { RenderModel } from '@avatar/contracts';
import type { Config } from '../../config/config.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import { storageRenderCache } from './render.cache.ts';
import { defaultWebDist, hasRenderPage, type RenderOrigin, startRenderOrigin } from './render.origin.ts';
import { RenderPool } from './render.pool.ts';
import { createRenderService, normalizeRenderRequest, type RenderServiceResult } from './render.service.ts';
import {
  RENDER_POOL_DEFAULTS,
  RenderError,
  type RenderedImage,
  type RenderLogger,
  type RenderPoolStats,
} from './render.types.ts';

/**
 * `idle`: nothing started yet (the browser starts on the first render); `starting`; `ready`;
 * `unavailable`: Chromium or the render page could not be started (tried again after a pause);
 * `closed`: shut down.
 */
export type RenderState = 'idle' | 'starting' | 'ready' | 'unavailable' | 'closed';

export interface RenderStatus {
  state: RenderState;
  /** Why it is unavailable, for operators (logs, /readyz): never shown to API clients. */
  reason: string | null;
  pool: RenderPoolStats | null;
}

export interface RenderHostOptions {
  storage: AssetStorage;
  chromiumPath: string;
  /** Unset: the built render page from `webDist`, served by this process's render origin. */
  pageUrl?: string;
  webDist: string;
  poolSize: number;
  timeoutMs: number;
  maxQueue: number;
  recycleAfter?: number;
  memoryMarkMb?: number;
  /** After a failed start, renders fail at once for this long before a start is tried again. */
  retryStartAfterMs?: number;
  logger?: RenderLogger;
}

/** A model or avatar to draw, with how to draw it: a `RenderPageRequest` (validated again here). */
export type RenderInput = unknown;

/**
 * The render service as the rest of the server sees it: lazily started (the API starts and serves
 * without Chromium; the first render starts the browser), in front of the storage-backed cache, with the
 * models it draws served from its own loopback origin. One per process; `close()` on shutdown.
 */
export class RenderHost {
  private readonly options: RenderHostOptions;
  private readonly service;
  private origin: Promise<RenderOrigin> | null = null;
  private pool: RenderPool | null = null;
  private starting: Promise<RenderPool> | null = null;
  private current: RenderState = 'idle';
  private reason: string | null = null;
  private retryAt = 0;

  constructor(options: RenderHostOptions) {
    this.options = options;
    this.service = createRenderService({
      pool: { render: async (request) => (await this.started()).render(request) },
      cache: storageRenderCache(options.storage),
    });
  }

  status(): RenderStatus {
    // Not started yet (or due for another try), and it could not start: say so without launching anything.
    const retryDue = this.current === 'unavailable' && Date.now() >= this.retryAt;
    if (this.current === 'idle' || retryDue) {
      const problem = this.staticProblem();
      if (problem) return { state: 'unavailable', reason: problem, pool: null };
      if (retryDue) return { state: 'idle', reason: this.reason, pool: null };
    }
    return { state: this.current, reason: this.reason, pool: this.pool?.stats() ?? null };
  }

  /** Renders (or finds in the cache) one request; rejects with a `RenderError`. */
  render(input: RenderInput): Promise<RenderServiceResult> {
    return this.service.render(input);
  }

  /** A catalog object as a model the page fetches; its bytes' hash keys the cache. */
  async storedModel(object: { storageKey: string; sha256: string | null }): Promise<RenderModel> {
    const origin = await this.originOf();
    return {
      url: origin.objectUrl(object.storageKey),
      ...(object.sha256 && /^[0-9a-f]{64}$/.test(object.sha256) ? { contentHash: object.sha256 } : {}),
    };
  }

  /**
   * Renders GLB bytes held in memory (a composed avatar) as the scene's base model, past the cache: the
   * caller stores the image where it belongs (an export's own key).
   */
  async renderBytes(glb: Uint8Array, options: Record<string, unknown>): Promise<RenderedImage> {
    const origin = await this.originOf();
    const held = origin.hold(glb);
    try {
      return await this.renderImage({ ...options, scene: { base: { url: held.url } } });
    } finally {
      held.release();
    }
  }

  /** Renders one request past the cache (the caller keeps the image where it belongs). */
  async renderImage(input: RenderInput): Promise<RenderedImage> {
    const request = normalizeRenderRequest(input);
    return (await this.started()).render(request);
  }

  /** Starts the browser now (a benchmark's cold start, a worker warming up); rejects when it cannot. */
  async start(): Promise<void> {
    await this.started();
  }

  /** The browser's memory (MiB), when running; for the memory benchmark. */
  async memoryMb(): Promise<number | null> {
    return this.pool ? this.pool.memoryMb() : null;
  }

  async close(): Promise<void> {
    this.current = 'closed';
    const pool = this.pool ?? (await this.starting?.catch(() => null)) ?? null;
    this.pool = null;
    await pool?.close();
    const origin = await this.origin?.catch(() => null);
    this.origin = null;
    await origin?.close();
  }

  /** A method, so that TypeScript does not narrow the state across awaits. */
  private isClosed(): boolean {
    return this.current === 'closed';
  }

  private staticProblem(): string | null {
    if (!existsSync(this.options.chromiumPath)) return `no Chromium at ${this.options.chromiumPath}`;
    if (!this.options.pageUrl && !hasRenderPage(this.options.webDist))
      return `${this.options.webDist}/render.html is missing (make build-web)`;
    return null;
  }

  private originOf(): Promise<RenderOrigin> {
    if (this.current === 'closed') return Promise.reject(closedError());
    this.origin ??= startRenderOrigin({
      storage: this.options.storage,
      webDist: this.options.webDist,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
    return this.origin;
  }

  /** The running pool, started once however many renders ask at the same time. */
  private started(): Promise<RenderPool> {
    if (this.current === 'closed') return Promise.reject(closedError());
    if (this.pool) return Promise.resolve(this.pool);
    if (this.current === 'unavailable' && Date.now() < this.retryAt) return Promise.reject(unavailable());
    this.starting ??= this.startPool().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async startPool(): Promise<RenderPool> {
    const { logger } = this.options;
    this.current = 'starting';
    let pool: RenderPool | null = null;
    try {
      const problem = this.staticProblem();
      if (problem) throw new Error(problem);
      const origin = await this.originOf();
      pool = new RenderPool({
        chromiumPath: this.options.chromiumPath,
        size: this.options.poolSize,
        renderPageUrl: this.options.pageUrl ?? origin.pageUrl,
        timeoutMs: this.options.timeoutMs,
        maxQueue: this.options.maxQueue,
        recycleAfter: this.options.recycleAfter ?? RENDER_POOL_DEFAULTS.recycleAfter,
        memoryMarkMb: this.options.memoryMarkMb ?? RENDER_POOL_DEFAULTS.memoryMarkMb,
        ...(logger ? { logger } : {}),
      });
      const started = performance.now();
      await pool.start();
      if (this.isClosed()) throw closedError();
      this.pool = pool;
      this.current = 'ready';
      this.reason = null;
      logger?.info({ ms: Math.round(performance.now() - started) }, 'render service ready');
      return pool;
    } catch (error) {
      await pool?.close().catch(() => {});
      if (this.isClosed()) throw closedError();
      this.current = 'unavailable';
      this.reason = error instanceof Error ? error.message : String(error);
      this.retryAt = Date.now() + (this.options.retryStartAfterMs ?? 30_000);
      logger?.error({ err: error }, 'render service could not start; renders fail until it can');
      throw unavailable(error);
    }
  }
}

const unavailable = (cause?: unknown) =>
  new RenderError('UNAVAILABLE', 'The render service is not available', {
    retryAfterSeconds: 30,
    ...(cause ? { cause } : {}),
  });
const closedError = () => new RenderError('CLOSED', 'The render service is shut down');

/** The render service of one process, from its configuration. */
export function renderHostFromConfig(
  config: Config,
  storage: AssetStorage,
  logger?: RenderLogger,
): RenderHost {
  return new RenderHost({
    storage,
    chromiumPath: config.CHROMIUM_PATH,
    ...(config.RENDER_PAGE_URL ? { pageUrl: config.RENDER_PAGE_URL } : {}),
    webDist: defaultWebDist(config.WEB_DIST),
    poolSize: config.RENDER_POOL_SIZE,
    timeoutMs: config.RENDER_TIMEOUT_MS,
    maxQueue: config.RENDER_MAX_QUEUE,
    recycleAfter: config.RENDER_RECYCLE_AFTER,
    memoryMarkMb: config.RENDER_MEMORY_MARK_MB,
    ...(logger ? { logger } : {}),
  });
}
