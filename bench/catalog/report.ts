import type { LoadResult } from '../load.ts';
import type { CpuSample } from '../process-cpu.ts';
import type { Endpoint } from './endpoints.ts';
import type { ExplainedQuery } from './explain.ts';

export const TARGET = { p95Ms: 25, timesFloor: 4 } as const;

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');

export interface Measured {
  endpoint: Endpoint;
  result: LoadResult;
  /** One connection alone, before the loaded run: what a request costs without queueing. */
  alone: LoadResult;
  /** CPU milliseconds per request, by process. */
  cpu: CpuSample;
}

export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): CpuSample {
  const per = (a: number | null, b: number | null) =>
    a === null || b === null || requests === 0 ? null : ((b - a) * 1000) / requests;
  return {
    server: per(before.server, after.server),
    postgres: per(before.postgres, after.postgres),
    loadGenerator: per(before.loadGenerator, after.loadGenerator) ?? 0,
  };
}

export function cpuTable(measured: Measured[], cores: number): string {
  const cell = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
  const rows = measured.map(({ endpoint, cpu, result }) => {
    const total = (cpu.server ?? 0) + (cpu.postgres ?? 0) + cpu.loadGenerator;
    const floor = (result.connections * total) / cores;
    return `| ${endpoint.name} | ${cell(cpu.server)} | ${cell(cpu.postgres)} | ${cell(cpu.loadGenerator)} | ${cell(total)} | ${((cores * 1000) / total).toFixed(0)} | ${cell(floor)} |`;
  });
  return [
    '| endpoint | API server | PostgreSQL | autocannon | total | req/s if CPU-bound | p50 floor ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

export function verdict(m: Measured, floorP95: number): 'PASS' | 'FAIL' | 'floor' | 'info' {
  if (m.endpoint.floor) return 'floor';
  const ok =
    m.result.non2xx + m.result.errors + m.alone.non2xx + m.alone.errors === 0 &&
    m.result.p95 < TARGET.p95Ms &&
    m.result.p95 <= TARGET.timesFloor * floorP95;
  if (m.endpoint.informative) return 'info';
  return ok ? 'PASS' : 'FAIL';
}

export function figuresTable(measured: Measured[]): string {
  const floor = measured.find((m) => m.endpoint.floor)?.result.p95 ?? Number.NaN;
  const rows = measured.map((m) => {
    const r = m.result;
    const bad = r.non2xx + r.errors + m.alone.non2xx + m.alone.errors;
    return `| ${m.endpoint.name} | ${r.requests} | ${r.perSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${bad} | ${(r.p95 / floor).toFixed(1)}x | ${verdict(m, floor)} | ${ms(m.alone.p50)} |`;
  });
  return [
    '| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | non-2xx + errors | p95 / healthz p95 | verdict | p50 alone ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    ...rows,
  ].join('\n');
}

export function requestsList(measured: Measured[]): string {
  return measured.map((m) => `- ${m.endpoint.name}: \`GET ${m.endpoint.shown}\``).join('\n');
}

export function statusBreakdown(measured: Measured[]): string | null {
  const odd = measured.filter((m) => m.result.non2xx > 0 || m.result.errors > 0);
  if (odd.length === 0) return null;
  return odd
    .map((m) => `- ${m.endpoint.name}: ${JSON.stringify(m.result.statusCodes)}, ${m.result.errors} errors`)
    .join('\n');
}

export interface ExplainedCall {
  call: string;
  queries: ExplainedQuery[];
  /** Print the whole plan, not only its summary line. */
  detailed: boolean;
  /** A stress case outside the target. */
  informative: boolean;
}

export function planSummary(calls: ExplainedCall[]): string {
  const rows = calls.flatMap(({ call, queries }) =>
    queries.map(
      (q, i) =>
        `| ${call} #${i + 1} | ${q.usesIndexes ? 'yes' : '**NO**'} | ${ms(q.executionMs)} | ${[...new Set(q.scans)].join('; ')} |`,
    ),
  );
  return ['| query | indexes only | execution ms | scan nodes |', '|---|---|---:|---|', ...rows].join('\n');
}

export function planDetails(calls: ExplainedCall[]): string {
  return calls
    .filter((c) => c.detailed)
    .flatMap(({ call, queries }) =>
      queries.map(
        (q, i) =>
          `#### ${call} #${i + 1}\n\n\`\`\`sql\n${q.sql}\n-- parameters: ${JSON.stringify(q.parameters)}\n\`\`\`\n\n\`\`\`\n${q.plan}\n\`\`\``,
      ),
    )
    .join('\n\n');
}

export interface CatalogReport {
  quick: boolean;
  machine: { cores: number; cpu: string; node: string; postgres: string; loadAverage: [number, number] };
  setup: {
    connections: number;
    warmupSeconds: number;
    aloneSeconds: number;
    seconds: number;
    poolMax: number;
    apiProcesses: number;
  };
  seeded: { rows: number; keys: number; active: number; seconds: number };
  measured: Measured[];
  matches: { term: string; n: number }[];
  broadTerm: string;
  calls: ExplainedCall[];
}

/** The benchmark's Markdown section: figures and verdicts first, then where the time goes, then plans. */
export function catalogSection(r: CatalogReport): string {
  const { setup, seeded, machine } = r;
  const floor = r.measured.find((m) => m.endpoint.floor)?.result.p95 ?? Number.NaN;
  const failed = r.measured.filter((m) => verdict(m, floor) === 'FAIL').map((m) => m.endpoint.name);
  const unindexed = (informative: boolean) =>
    r.calls
      .filter((c) => c.informative === informative && c.queries.some((q) => !q.usesIndexes))
      .map((c) => c.call);
  const odd = statusBreakdown(r.measured);
  const broad = r.matches.find((m) => m.term === r.broadTerm);
  return [
    `## Catalog: ${seeded.rows.toLocaleString('en')} assets${r.quick ? ' (BENCH_QUICK: smoke run, figures not meaningful)' : ''}`,
    '',
    `Machine: ${machine.cores} × ${machine.cpu}, Node ${machine.node}, PostgreSQL ${machine.postgres} (embedded, default settings); 1-minute load average ${machine.loadAverage.map((l) => l.toFixed(1)).join(' before, ')} after the load runs (above ${machine.cores}, other work competed for the CPUs and the latencies suffer for it).`,
    `Load: autocannon over loopback, one endpoint at a time: ${setup.warmupSeconds} s warm-up, ${setup.aloneSeconds} s with one connection alone (service time), then ${setup.seconds} s measured with ${setup.connections} connections. The server runs apart from the load generator (NODE_ENV=production, LOG_LEVEL=warn, ${setup.apiProcesses === 1 ? 'one API process' : `API_PROCESSES=${setup.apiProcesses}, one process per core sharing the port`}, DATABASE_POOL_MAX=${setup.poolMax} each), signed in as a player (Bearer token).`,
    `Seed: ${seeded.rows} rows, ${seeded.keys} keys (1–4 versions each), ${seeded.active} active, written in creation order in ${seeded.seconds.toFixed(1)} s, then VACUUM ANALYZE.`,
    `Target: every catalog call p95 < ${TARGET.p95Ms} ms and <= ${TARGET.timesFloor}x the p95 of /healthz measured in the same run, with no non-2xx answers.`,
    '',
    figuresTable(r.measured),
    '',
    failed.length
      ? `**Targets missed by: ${failed.join(', ')}.**`
      : '**Every catalog call meets the targets.**',
    ...(odd ? ['', `Unexpected answers:\n${odd}`] : []),
    '',
    `CPU per request during each measured run (milliseconds, all processes). Once the cores are busy, a closed loop of ${setup.connections} connections waits connections / (req/s), so the p50 cannot drop below about connections × CPU per request / ${machine.cores} cores, however cheap the queries are:`,
    '',
    cpuTable(r.measured, machine.cores),
    '',
    'Requests:',
    requestsList(r.measured),
    '',
    `Active rows matching each search term: ${r.matches.map((m) => `"${m.term}" ${m.n}`).join(', ')}.`,
    '',
    '### Query plans',
    '',
    unindexed(false).length
      ? `**A sequential scan in: ${unindexed(false).join(', ')}.**`
      : 'Every query the list, filters, search and get-by-id run is answered from indexes (no sequential scan).',
    ...(unindexed(true).length
      ? [
          `The stress case ${unindexed(true).join(', ')} reads the table sequentially: its prefix matches ${broad?.n} of ${seeded.active} active rows, where a sequential scan is the cheaper plan.`,
        ]
      : []),
    '',
    planSummary(r.calls),
    '',
    planDetails(r.calls),
    '',
  ].join('\n');
}
