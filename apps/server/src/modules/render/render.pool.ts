import type { Page } from 'playwright-core';
import { browserProcessIds, processesMemoryMb } from './browser-processes.ts';
import {
  closeRenderBrowser,
  isAlive,
  launchRenderBrowser,
  openRenderPage,
  type RenderBrowser,
  sleep,
} from './render.browser.ts';
import {
  RENDER_POOL_DEFAULTS,
  RenderError,
  type RenderErrorCode,
  type RenderedImage,
  type RenderPageRequest,
  type RenderPageResult,
  type RenderPoolOptions,
  type RenderPoolStats,
} from './render.types.ts';

/** How often, at most, the browser's memory is measured (it reads /proc for every process). */
const MEMORY_CHECK_INTERVAL_MS = 5_000;
/** A page is not recycled for memory before it has done this many renders (its own cost is small). */
const MIN_RENDERS_BEFORE_MEMORY_RECYCLE = 10;
/** One retry: a second crash or blank image in a row is the job's fault, or the machine's. */
const MAX_ATTEMPTS = 2;

interface Job {
  request: RenderPageRequest;
  resolve: (image: RenderedImage) => void;
  reject: (error: RenderError) => void;
  attempts: number;
  enqueuedAt: number;
  detach: () => void;
}

interface Slot {
  id: number;
  page: Page | null;
  opening: Promise<Page> | null;
  busy: boolean;
  renders: number;
  /** The page crashed or closed, or should be recycled: open a fresh one before the next job. */
  dead: boolean;
  /** The model URLs of the job on this page: the only URLs off the render page's origin it may fetch. */
  allowed: ReadonlySet<string>;
}

/** How a job's attempt ended: settled one way or the other, or to be tried again. */
type Outcome = { image: RenderedImage } | { error: RenderError } | { retry: true };

const TIMED_OUT = Symbol('timed out');

/**
 * A pool of headless Chromium pages, each with the web app's render page loaded once, rendering one
 * job at a time. Jobs beyond the free pages wait in a bounded queue. A job that outlives the timeout is
 * cut off and its page replaced; a crashed page or browser, or a blank image, is replaced and the job
 * tried once more; pages are recycled after `recycleAfter` renders or above the memory mark.
 */
export class RenderPool {
  private readonly options: Required<Omit<RenderPoolOptions, 'logger'>> & Pick<RenderPoolOptions, 'logger'>;
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private browser: Promise<RenderBrowser> | null = null;
  private closed = false;
  private lastMemoryCheck = 0;
  /** Moving average of a render's duration, for Retry-After. */
  private averageRenderMs = 500;
  private readonly counters = { rendered: 0, failed: 0, retried: 0, pagesReplaced: 0, browserLaunches: 0 };

  constructor(options: RenderPoolOptions) {
    this.options = { ...RENDER_POOL_DEFAULTS, ...options };
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('size must be at least 1');
    if (options.maxQueue < 0) throw new RangeError('maxQueue must not be negative');
    this.slots = Array.from({ length: options.size }, (_, id) => ({
      id,
      page: null,
      opening: null,
      busy: false,
      renders: 0,
      dead: false,
      allowed: new Set<string>(),
    }));
  }

  /** Launches the browser and opens every page now instead of on the first renders. */
  async start(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.pageOf(slot)));
  }

  /**
   * Renders one request. Rejects with a `RenderError`: QUEUE_FULL at once when too many jobs wait,
   * TIMEOUT, CRASHED or BLANK_IMAGE after the retry, a page error code (MODEL_NOT_FOUND, ...) as is.
   * An aborted `signal` takes a job out of the queue; a job already rendering runs to its end.
   */
  render(request: RenderPageRequest, options: { signal?: AbortSignal } = {}): Promise<RenderedImage> {
    if (this.closed) return Promise.reject(new RenderError('CLOSED', 'The render pool is closed'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new RenderError('ABORTED', 'The render was cancelled'));
    const hasIdlePage = this.slots.some((slot) => !slot.busy);
    if (!hasIdlePage && this.queue.length >= this.options.maxQueue) {
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil(((this.queue.length + 1) * this.averageRenderMs) / this.slots.length / 1000),
      );
      return Promise.reject(
        new RenderError('QUEUE_FULL', 'Too many renders are waiting; try again shortly', {
          retryAfterSeconds,
        }),
      );
    }
    return new Promise<RenderedImage>((resolve, reject) => {
      const job: Job = { request, resolve, reject, attempts: 0, enqueuedAt: Date.now(), detach: () => {} };
      if (signal) {
        const onAbort = () => {
          const index = this.queue.indexOf(job);
          if (index === -1) return;
          this.queue.splice(index, 1);
          reject(new RenderError('ABORTED', 'The render was cancelled'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        job.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(job);
      this.pump();
    });
  }

  stats(): RenderPoolStats {
    return {
      size: this.slots.length,
      busy: this.slots.filter((slot) => slot.busy).length,
      queued: this.queue.length,
      ...this.counters,
    };
  }

  /** The browser's process ids, the browser process first (Linux only; empty elsewhere or when not running). */
  async processIds(): Promise<number[]> {
    const browser = await this.browser?.catch(() => null);
    return browser && !browser.closed ? browserProcessIds(browser.userDataDir) : [];
  }

  /** Memory used by all the browser's processes, in MiB; null when unknown. */
  async memoryMb(): Promise<number | null> {
    return processesMemoryMb(await this.processIds());
  }

  /**
   * Refuses new jobs, fails queued ones with CLOSED, gives running ones up to `graceMs` to finish,
   * then closes the browser and removes its profile directory.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      job.detach();
      job.reject(new RenderError('CLOSED', 'The render pool is closed'));
    }
    const deadline = Date.now() + (options.graceMs ?? 5_000);
    while (this.slots.some((slot) => slot.busy) && Date.now() < deadline) await sleep(25);
    const browser = await this.browser?.catch(() => null);
    this.browser = null;
    if (browser) await closeRenderBrowser(browser);
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((candidate) => !candidate.busy);
      if (!slot) return;
      const job = this.queue.shift()!;
      job.detach();
      this.dispatch(slot, job);
    }
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.busy = true;
    void this.run(slot, job)
      // run() settles every failure it knows; anything else must still free the page.
      .catch((error: unknown) => this.fail(asRenderError(error, 'RENDER_FAILED', 'The render failed')))
      .then((outcome) => {
        // A retry stays on this slot: its page was just replaced, so it runs on a fresh one.
        if ('retry' in outcome) return this.dispatch(slot, job);
        // Free the page before settling, so a caller that renders again at once finds it free.
        slot.busy = false;
        if ('image' in outcome) job.resolve(outcome.image);
        else job.reject(outcome.error);
        this.pump();
      });
  }

  private async run(slot: Slot, job: Job): Promise<Outcome> {
    job.attempts++;
    const startedAt = Date.now();
    let page: Page;
    try {
      page = await this.pageOf(slot);
    } catch (error) {
      // The browser may have died while the page opened: that too is worth one more try.
      const failure = asRenderError(error, 'UNAVAILABLE', 'The render browser could not be started');
      if (failure.code === 'CLOSED') return this.fail(failure);
      return this.retryOrFail(job, failure.code, failure.message, failure.cause);
    }

    let result: RenderPageResult | typeof TIMED_OUT;
    slot.allowed = modelUrlsOf(job.request, this.options.renderPageUrl);
    try {
      result = await this.evaluate(page, job.request);
    } catch (error) {
      this.discardPage(slot, 'crashed');
      return this.retryOrFail(job, 'CRASHED', 'The render page crashed', error);
    }
    if (result === TIMED_OUT) {
      this.discardPage(slot, 'timeout');
      const message = `The render took longer than ${this.options.timeoutMs} ms`;
      return this.fail(new RenderError('TIMEOUT', message, { retryAfterSeconds: 5 }));
    }

    slot.renders++;
    if (!result.ok && result.code === 'CONTEXT_LOST') {
      this.discardPage(slot, 'context lost');
      return this.retryOrFail(job, 'CRASHED', result.message);
    }
    if (result.ok && result.blank) {
      // A crashed GPU process draws nothing and says nothing: only a fresh page recovers.
      this.discardPage(slot, 'blank image');
      return this.retryOrFail(job, 'BLANK_IMAGE', 'The rendered image was blank');
    }
    this.recycleIfDue(slot);
    if (!result.ok) return this.fail(new RenderError(result.code, result.message));
    this.averageRenderMs = this.averageRenderMs * 0.8 + (Date.now() - startedAt) * 0.2;
    this.counters.rendered++;
    return {
      image: {
        data: Buffer.from(result.base64, 'base64'),
        contentType: result.mimeType,
        width: result.width,
        height: result.height,
        attempts: job.attempts,
        timings: {
          queueMs: startedAt - job.enqueuedAt,
          ...result.timings,
          totalMs: Date.now() - job.enqueuedAt,
        },
      },
    };
  }

  /** Runs `__render` in the page, or gives up after the timeout (the page is then not reusable). */
  private async evaluate(
    page: Page,
    request: RenderPageRequest,
  ): Promise<RenderPageResult | typeof TIMED_OUT> {
    const evaluation = page.evaluate(
      (input) =>
        (globalThis as unknown as { __render(r: unknown): Promise<RenderPageResult> }).__render(input),
      request,
    );
    // After a timeout the page is closed and the evaluation rejects: nobody is listening any more.
    evaluation.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.options.timeoutMs);
    });
    try {
      return await Promise.race([evaluation, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private fail(error: RenderError): Outcome {
    this.counters.failed++;
    return { error };
  }

  private retryOrFail(job: Job, code: RenderErrorCode, message: string, cause?: unknown): Outcome {
    if (this.closed) return this.fail(new RenderError('CLOSED', 'The render pool is closed', { cause }));
    if (job.attempts >= MAX_ATTEMPTS)
      return this.fail(new RenderError(code, message, { cause, retryAfterSeconds: 5 }));
    this.counters.retried++;
    this.options.logger?.warn({ code, err: cause }, 'render failed; retrying on a fresh page');
    return { retry: true };
  }

  /**
   * Replaces a page that has rendered `recycleAfter` times (its replacement opens at once); every few
   * seconds, measures the browser's memory in the background and, above the mark, marks the page with
   * the most renders for replacement before its next job.
   */
  private recycleIfDue(slot: Slot): void {
    if (slot.renders >= this.options.recycleAfter) {
      this.discardPage(slot, 'render count');
      if (!this.closed) this.pageOf(slot).catch(() => {});
      return;
    }
    if (Date.now() - this.lastMemoryCheck < MEMORY_CHECK_INTERVAL_MS) return;
    this.lastMemoryCheck = Date.now();
    void this.memoryMb().then(
      (memoryMb) => {
        if (memoryMb === null || memoryMb <= this.options.memoryMarkMb) return;
        const oldest = this.slots.reduce((a, b) => (b.renders > a.renders ? b : a));
        if (oldest.renders < MIN_RENDERS_BEFORE_MEMORY_RECYCLE) return;
        this.options.logger?.info(
          { memoryMb, renders: oldest.renders },
          'render browser above its memory mark',
        );
        oldest.dead = true;
      },
      () => {},
    );
  }

  private discardPage(slot: Slot, reason: string): void {
    const page = slot.page;
    slot.page = null;
    slot.dead = false;
    slot.renders = 0;
    if (!page) return;
    this.counters.pagesReplaced++;
    this.options.logger?.info({ slot: slot.id, reason }, 'replacing a render page');
    page.close({ runBeforeUnload: false }).catch(() => {});
  }

  private pageOf(slot: Slot): Promise<Page> {
    if (slot.page && !slot.dead && !slot.page.isClosed()) return Promise.resolve(slot.page);
    if (slot.page) this.discardPage(slot, 'crashed, closed or due for recycling');
    slot.opening ??= this.openPage(slot).finally(() => {
      slot.opening = null;
    });
    return slot.opening;
  }

  private async openPage(slot: Slot): Promise<Page> {
    const browser = await this.browserOf();
    const { startTimeoutMs, renderPageUrl, logger } = this.options;
    let page: Page;
    try {
      page = await openRenderPage(browser, renderPageUrl, startTimeoutMs, {
        onGone: (gone) => {
          if (slot.page === gone) slot.dead = true;
        },
        onError: (error) => logger?.warn({ err: error, slot: slot.id }, 'render page error'),
        allowRequest: (url) => sameOrigin(url, renderPageUrl) || slot.allowed.has(url),
        onBlocked: (url) =>
          logger?.warn({ slot: slot.id, url: url.slice(0, 200) }, 'render page request blocked'),
      });
    } catch (error) {
      throw asRenderError(error, 'UNAVAILABLE', `The render page could not be loaded from ${renderPageUrl}`);
    }
    if (this.closed) {
      page.close().catch(() => {});
      throw new RenderError('CLOSED', 'The render pool is closed');
    }
    slot.page = page;
    slot.dead = false;
    slot.renders = 0;
    return page;
  }

  /** The running browser, launched once however many pages ask for it at the same time. */
  private async browserOf(): Promise<RenderBrowser> {
    for (;;) {
      if (this.closed) throw new RenderError('CLOSED', 'The render pool is closed');
      if (!this.browser) {
        const launching = this.launch();
        this.browser = launching;
        launching.catch(() => {
          if (this.browser === launching) this.browser = null;
        });
      }
      const current = this.browser;
      const browser = await current;
      if (isAlive(browser)) return browser;
      // Dead: the first caller to notice drops it; every caller then joins the one new launch.
      if (this.browser === current) {
        this.browser = null;
        void closeRenderBrowser(browser);
      }
    }
  }

  private async launch(): Promise<RenderBrowser> {
    const { chromiumPath, startTimeoutMs, logger } = this.options;
    try {
      const browser = await launchRenderBrowser(chromiumPath, startTimeoutMs, (context) => {
        for (const slot of this.slots) if (slot.page?.context() === context) slot.dead = true;
      });
      this.counters.browserLaunches++;
      logger?.info({ chromiumPath, pages: this.slots.length }, 'render browser started');
      return browser;
    } catch (error) {
      throw new RenderError('UNAVAILABLE', `Chromium could not be started from ${chromiumPath}`, {
        cause: error,
      });
    }
  }
}

/** Every model URL of a request, made absolute against the page (that is how the page fetches it). */
function modelUrlsOf(request: RenderPageRequest, pageUrl: string): Set<string> {
  const { base, parts } = request.scene;
  const urls = new Set<string>();
  for (const model of [...(base ? [base] : []), ...parts]) {
    try {
      urls.add(new URL(model.url, pageUrl).href);
    } catch {
      // Not a URL: the page fails to fetch it and says so.
    }
  }
  return urls;
}

function sameOrigin(url: string, pageUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(pageUrl).origin;
  } catch {
    return false;
  }
}

function asRenderError(error: unknown, code: RenderErrorCode, message: string): RenderError {
  return error instanceof RenderError
    ? error
    : new RenderError(code, message, { cause: error, retryAfterSeconds: 5 });
}
