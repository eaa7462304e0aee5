import type { ErrorCode } from '@avatar/contracts';
import { type RenderPageErrorCode, renderPageErrorCodes } from '@avatar/contracts';

export type {
  RenderPageRequest,
  RenderPageResult,
  RenderScene,
} from '@avatar/contracts';

/** What the pool needs, as plain values: the caller maps its configuration onto these. */
export interface RenderPoolOptions {
  /** The Chromium (or Chrome) binary Playwright drives. */
  chromiumPath: string;
  /** Pages rendering at the same time, one job each. */
  size: number;
  /** The built web app's render page, e.g. `http://127.0.0.1:3000/render.html`. */
  renderPageUrl: string;
  /** Longest one render may take once a page has it; it is cut off and its page replaced after that. */
  timeoutMs: number;
  /** Jobs that may wait for a free page; one more is refused with QUEUE_FULL. */
  maxQueue: number;
  /** A page is replaced after this many renders (the renderer's native memory only grows). */
  recycleAfter?: number;
  /** When the browser's processes together use more than this (MiB), the page that just rendered is replaced. */
  memoryMarkMb?: number;
  /** Longest a browser launch plus a page's first load may take. */
  startTimeoutMs?: number;
  logger?: RenderLogger;
}

export const RENDER_POOL_DEFAULTS = {
  recycleAfter: 200,
  memoryMarkMb: 1536,
  startTimeoutMs: 30_000,
} as const;

/** The subset of pino the pool logs through. */
export interface RenderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RenderedImage {
  data: Buffer;
  contentType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  /** 1, or 2 when the first attempt hit a crashed page or a blank image. */
  attempts: number;
  timings: { queueMs: number; loadMs: number; renderMs: number; encodeMs: number; totalMs: number };
}

export interface RenderPoolStats {
  size: number;
  busy: number;
  queued: number;
  rendered: number;
  failed: number;
  retried: number;
  pagesReplaced: number;
  browserLaunches: number;
}

export const renderErrorCodes = [
  ...renderPageErrorCodes,
  /** More jobs waiting than `maxQueue`: try again later (`retryAfterSeconds`). */
  'QUEUE_FULL',
  /** The render took longer than `timeoutMs`. */
  'TIMEOUT',
  /** The page or browser died twice in a row on this job. */
  'CRASHED',
  /** The image came back all background twice in a row. */
  'BLANK_IMAGE',
  /** The browser could not be started or the render page could not be loaded. */
  'UNAVAILABLE',
  /** The pool was closed. */
  'CLOSED',
  /** The caller gave up (its signal aborted) before the job started. */
  'ABORTED',
] as const;
export type RenderErrorCode = (typeof renderErrorCodes)[number];

export class RenderError extends Error {
  readonly code: RenderErrorCode;
  /** For QUEUE_FULL (and other transient failures): a sensible wait before trying again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: RenderErrorCode,
    message: string,
    options: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'RenderError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const isRenderError = (error: unknown): error is RenderError => error instanceof RenderError;

/**
 * The public error code each render failure maps to (for `http/errors.ts`). Transient ones are 503 and
 * carry `retryAfterSeconds`; a model the caller chose that cannot be drawn is 422.
 */
export const renderErrorHttpCode: Record<RenderErrorCode, ErrorCode> = {
  BAD_REQUEST: 'BAD_REQUEST',
  MODEL_NOT_FOUND: 'NOT_FOUND',
  MODEL_FETCH_FAILED: 'SERVICE_UNAVAILABLE',
  MODEL_INVALID: 'UNPROCESSABLE_CONTENT',
  EMPTY_MODEL: 'UNPROCESSABLE_CONTENT',
  ANIMATION_NOT_FOUND: 'UNPROCESSABLE_CONTENT',
  CONTEXT_LOST: 'SERVICE_UNAVAILABLE',
  RENDER_FAILED: 'INTERNAL_SERVER_ERROR',
  QUEUE_FULL: 'SERVICE_UNAVAILABLE',
  TIMEOUT: 'SERVICE_UNAVAILABLE',
  CRASHED: 'SERVICE_UNAVAILABLE',
  BLANK_IMAGE: 'SERVICE_UNAVAILABLE',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  CLOSED: 'SERVICE_UNAVAILABLE',
  ABORTED: 'BAD_REQUEST',
};

export type { RenderPageErrorCode };
