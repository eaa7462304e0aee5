import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Export metrics of this process (API processes count sync exports, workers count async ones, as
 * Prometheus expects each process to count its own). Every app's `/metrics` includes this registry.
 */
export const exportMetricsRegistry = new Registry();

const finished = new Counter({
  name: 'avatar_exports_total',
  help: 'Exports finished, by format, quality and final status',
  labelNames: ['format', 'quality', 'status'] as const,
  registers: [exportMetricsRegistry],
});

const duration = new Histogram({
  name: 'avatar_export_duration_seconds',
  help: 'Time to compose, convert and store one export, by format and quality',
  labelNames: ['format', 'quality'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60],
  registers: [exportMetricsRegistry],
});

const size = new Histogram({
  name: 'avatar_export_bytes',
  help: 'Size of the exported file, by format and quality',
  labelNames: ['format', 'quality'] as const,
  buckets: [16e3, 64e3, 256e3, 1e6, 4e6, 16e6, 64e6],
  registers: [exportMetricsRegistry],
});

export function recordExportFinished(
  e: { format: string; quality: string },
  outcome: { status: 'completed'; durationMs: number; bytes: number } | { status: 'failed' },
): void {
  finished.inc({ format: e.format, quality: e.quality, status: outcome.status });
  if (outcome.status !== 'completed') return;
  duration.observe({ format: e.format, quality: e.quality }, outcome.durationMs / 1000);
  size.observe({ format: e.format, quality: e.quality }, outcome.bytes);
}
