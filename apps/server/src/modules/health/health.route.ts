import { Router } from 'express';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';

/** A named dependency the readiness probe checks; it throws when the dependency is unreachable. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
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
  },
});

export const storageCheck = (storage: AssetStorage): ReadinessCheck => ({
  name: 'storage',
  check: () => storage.ping(),
});

export function createHealthRouter(checks: ReadinessCheck[], isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        const started = performance.now();
        try {
          await withTimeout(check(), 2_000);
          return { name, ok: true, ms: Math.round(performance.now() - started) };
        } catch {
          // The reason stays in the logs of whoever owns the dependency; the probe says only "down".
          return { name, ok: false, ms: Math.round(performance.now() - started) };
        }
      }),
    );
    const ready = !isShuttingDown() && results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : isShuttingDown() ? 'shutting-down' : 'unavailable',
      checks: Object.fromEntries(results.map((r) => [r.name, { status: r.ok ? 'up' : 'down', ms: r.ms }])),
    });
  });
  return router;
}
