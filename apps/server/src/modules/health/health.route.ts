import { Router } from 'express';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import type { RenderHost } from '../render/render.host.ts';

/** A named dependency the readiness probe checks; it throws when the dependency is unreachable. */
export interface ReadinessCheck {
  name: string;
  /** Resolves with nothing (`up`) or a state word to report; throws when down. */
  check: () => Promise<string | undefined>;
  /** Reported, but its being down does not make the process unready (the API serves without it). */
  optional?: boolean;
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);

export const databaseCheck = (db: Db): ReadinessCheck => ({
  name: 'database',
  check: async () => {
    await sql`select 1`.execute(db);
    return undefined;
  },
});

export const storageCheck = (storage: AssetStorage): ReadinessCheck => ({
  name: 'storage',
  check: async () => {
    await storage.ping();
    return undefined;
  },
});

/**
 * The render service, reported but optional: without Chromium the API still serves everything else, and
 * renders answer 503. `idle` until the first render starts the browser; never starts it itself.
 */
export const renderCheck = (render: RenderHost | undefined): ReadinessCheck => ({
  name: 'render',
  optional: true,
  check: async () => {
    if (!render) return 'disabled';
    const { state } = render.status();
    if (state === 'unavailable' || state === 'closed') throw new Error(state);
    return state === 'ready' ? 'up' : state;
  },
});

export function createHealthRouter(checks: ReadinessCheck[], isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async ({ name, check, optional = false }) => {
        const started = performance.now();
        try {
          const state = (await withTimeout(check(), 2_000)) ?? 'up';
          return { name, ok: true, state, optional, ms: Math.round(performance.now() - started) };
        } catch {
          // The reason stays in the logs of whoever owns the dependency; the probe says only "down".
          return { name, ok: false, state: 'down', optional, ms: Math.round(performance.now() - started) };
        }
      }),
    );
    const ready = !isShuttingDown() && results.every((r) => r.ok || r.optional);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : isShuttingDown() ? 'shutting-down' : 'unavailable',
      checks: Object.fromEntries(
        results.map((r) => [
          r.name,
          { status: r.state, ms: r.ms, ...(r.optional ? { optional: true } : {}) },
        ]),
      ),
    });
  });
  return router;
}
