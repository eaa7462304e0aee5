import { autocannon } from './server-modules.ts';

export interface LoadOptions {
  /** The server's origin, e.g. http://127.0.0.1:4321 */
  origin: string;
  /** Called for every request: rotate among paths so caches and plans see realistic variety. */
  nextPath: () => string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  connections: number;
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Responses outside 2xx, plus connection errors and timeouts: any of these makes a run invalid. */
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Closed-loop load: `connections` keep-alive clients, each sending its next request as soon as the last
 * answer arrives, for `seconds`. Latencies are recorded per response at sub-millisecond resolution
 * (autocannon's own histogram rounds to whole milliseconds and has no p95).
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.origin,
        connections: options.connections,
        duration: options.seconds,
        headers: options.headers,
        timeout: 10,
        requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: options.nextPath() }) }],
      },
      (error, result) => {
        if (error) return reject(error);
        const sorted = Float64Array.from(latencies).sort();
        const non2xx = Object.entries(statusCodes)
          .filter(([code]) => !code.startsWith('2'))
          .reduce((sum, [, count]) => sum + count, 0);
        resolve({
          connections: options.connections,
          requests: sorted.length,
          perSecond: sorted.length / result.duration,
          p50: percentile(sorted, 50),
          p95: percentile(sorted, 95),
          p99: percentile(sorted, 99),
          max: sorted.at(-1) ?? Number.NaN,
          non2xx,
          errors: result.errors,
          statusCodes,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    });
  });
}

/** Hands out `items` in turn, forever. */
export function rotate<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('rotate: nothing to rotate among');
  let next = 0;
  return () => items[next++ % items.length]!;
}
