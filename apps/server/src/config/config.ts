import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    // A worker process (`make worker`) has no API; it answers GET /metrics and /healthz here (0: off).
    WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    PUBLIC_URL: z.url().optional(),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters'),
    SESSION_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24 * 14),
    COOKIE_SECURE: bool.optional(),
    MAX_JSON_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    LOGIN_SLOWDOWN_AFTER: z.coerce.number().int().min(1).default(5),
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(10),
    LOGIN_ADDRESS_MAX_FAILURES: z.coerce.number().int().min(1).default(50),
    LOGIN_WINDOW_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .default(15 * 60),
    TRUST_PROXY: z.string().default('loopback'),
    WEB_DIST: z.string().optional(),
    WEB_DEV: bool.default(false),
    // API processes sharing PORT (node:cluster), `auto` for one per core; one only with WEB_DEV (Vite).
    API_PROCESSES: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    // Render service (thumbnails, PNG/JPG exports, POST /api/v1/render): headless Chromium started on first use.
    // RENDER_PAGE_URL unset: the built render page (WEB_DIST or apps/web/dist) served by the render
    // service's own loopback origin in this process (API or worker alike).
    CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
    RENDER_PAGE_URL: z.url().optional(),
    RENDER_POOL_SIZE: z.coerce.number().int().min(1).max(8).default(Math.min(2, cpus().length)),
    RENDER_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(30_000),
    RENDER_MAX_QUEUE: z.coerce.number().int().min(0).default(32),
    RENDER_RECYCLE_AFTER: z.coerce.number().int().min(1).default(200),
    RENDER_MEMORY_MARK_MB: z.coerce.number().int().min(128).default(1536),
    RENDER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
    ASSET_STORAGE_MODE: z.enum(['local', 's3']).default('local'),
    LOCAL_ASSETS_PATH: z.string().default('.data/assets'),
    S3_ENDPOINT: z.url().optional(),
    S3_REGION: z.string().default('us-east-1'),
    S3_ACCESS_KEY: z.string().optional(),
    S3_SECRET_KEY: z.string().optional(),
    S3_BUCKET: z.string().default('avatar-assets'),
    S3_PATH_STYLE: bool.default(true),
    ASSET_CDN_URL: z.url().optional(),
    SIGNED_URL_EXPIRY_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600),
    MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024),
    RUN_WORKERS: bool.default(true),
    DEV_ADMIN_EMAIL: z.email().optional(),
    DEV_ADMIN_PASSWORD: z.string().min(8).optional(),
    DEV_PLAYER_EMAIL: z.email().optional(),
    DEV_PLAYER_PASSWORD: z.string().min(8).optional(),
    // Exports: per-user rate limit (a fixed window in PostgreSQL), how long a sync export may take before
    // it moves to the background, and retention (files and rows older than this are removed weekly).
    EXPORT_RATE_LIMIT: z.coerce.number().int().min(1).default(5),
    EXPORT_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
    EXPORT_SYNC_BUDGET_MS: z.coerce.number().int().min(1).default(8_000),
    EXPORT_RETENTION_DAYS: z.coerce.number().int().min(1).default(180),
    EXPORT_INACTIVE_USER_DAYS: z.coerce.number().int().min(1).default(180),
    EXPORT_CLEANUP_CRON: z.string().default('0 3 * * 0'),
    // Avatar delivery: derived GLBs nobody asked for in this many days go in the same weekly cleanup.
    DELIVERY_CACHE_MAX_IDLE_DAYS: z.coerce.number().int().min(1).default(30),
    // Integrity: an unreferenced object younger than this may be a write in flight, so the reaper (hourly
    // cron) and the admin's repair leave it alone; idempotency keys are remembered this long.
    INTEGRITY_ORPHAN_GRACE_SECONDS: z.coerce.number().int().min(0).default(3_600),
    INTEGRITY_REAPER_CRON: z.string().default('17 * * * *'),
    IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
    // Uploads: structural limits checked before the Khronos validator runs (MAX_UPLOAD_BYTES caps the file),
    // the validator's own thread (keeps the event loop free), direct-to-storage PUT links, optimized variants.
    UPLOAD_MAX_TRIANGLES: z.coerce.number().int().min(1).default(500_000),
    UPLOAD_MAX_VERTICES: z.coerce.number().int().min(1).default(1_000_000),
    UPLOAD_MAX_TEXTURE_SIZE: z.coerce.number().int().min(1).default(4_096),
    // Width x height of any one embedded image, from its header; at most what sharp may decode (8192^2).
    UPLOAD_MAX_IMAGE_PIXELS: z.coerce
      .number()
      .int()
      .min(1)
      .max(8192 * 8192)
      .default(4096 * 4096),
    UPLOAD_MAX_DATA_URI_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(16 * 1024 * 1024),
    UPLOAD_VALIDATOR_THREAD: bool.default(true),
    UPLOAD_DIRECT_EXPIRY_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
    OPTIMIZED_MAX_TEXTURE_SIZE: z.coerce.number().int().min(16).default(2_048),
  })
  .superRefine((c, ctx) => {
    if (c.ASSET_STORAGE_MODE !== 's3') return;
    for (const key of ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const) {
      if (!c[key])
        ctx.addIssue({ code: 'custom', path: [key], message: 'required when ASSET_STORAGE_MODE=s3' });
    }
  })
  .transform((c) => ({
    ...c,
    COOKIE_SECURE: c.COOKIE_SECURE ?? c.NODE_ENV === 'production',
    PUBLIC_URL: c.PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}`,
    API_PROCESSES: c.WEB_DEV ? 1 : c.API_PROCESSES === 'auto' ? availableParallelism() : c.API_PROCESSES,
  }));

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

export class ConfigError extends Error {}

/** Parses an environment once; the message names every bad variable on one line. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = ConfigSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return Object.freeze(result.data);
}

/** The only reader of process.env: loads `.env` when present, then parses. */
export function loadConfig(): Config {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return parseConfig(process.env);
}
