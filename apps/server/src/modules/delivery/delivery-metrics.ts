import { Counter, Histogram, Registry } from 'prom-client';

/** Delivery URL metrics of this process; every app's `/metrics` includes this registry. */
export const deliveryMetricsRegistry = new Registry();

const requests = new Counter({
  name: 'avatar_delivery_requests_total',
  help: 'Avatar delivery requests, by outcome (hit, miss, not_modified, error)',
  labelNames: ['outcome'] as const,
  registers: [deliveryMetricsRegistry],
});

const builds = new Histogram({
  name: 'avatar_delivery_build_seconds',
  help: 'Time to compose and store one delivery GLB (a cache miss)',
  buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60],
  registers: [deliveryMetricsRegistry],
});

export function recordDeliveryRequest(outcome: 'hit' | 'miss' | 'not_modified' | 'error'): void {
  requests.inc({ outcome });
}

export function recordDeliveryBuild(ms: number): void {
  builds.observe(ms / 1000);
}
