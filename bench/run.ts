/**
 * `make bench`: runs every benchmark below, one after another, prints one Markdown report to stdout and
 * writes it to bench/results/latest.md (ignored by git; copy what deserves keeping into a named file).
 * BENCH_QUICK=1 makes a smoke run; BENCH_ONLY=name[,name] picks benchmarks.
 * A missed target is reported, not an error: the exit code says only whether the benchmarks ran.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Benchmark } from './benchmark.ts';
import { catalogBenchmark } from './catalog.bench.ts';
import { deliveryBenchmark } from './delivery.bench.ts';
import { exportBenchmark } from './export.bench.ts';
import { renderBenchmark } from './render.bench.ts';
import { uploadBenchmark } from './upload.bench.ts';
import { webBenchmark } from './web.bench.ts';

export const benchmarks: Benchmark[] = [
  catalogBenchmark,
  uploadBenchmark,
  exportBenchmark,
  deliveryBenchmark,
  renderBenchmark,
  webBenchmark,
];

const quick = process.env.BENCH_QUICK === '1';
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const selected = benchmarks.filter((b) => !only || only.includes(b.name));
const sections: string[] = [
  `# Benchmarks${quick ? ' (quick)' : ''}`,
  '',
  `Run ${new Date().toISOString()} on ${cpus().length} CPUs with \`${quick ? 'BENCH_QUICK=1 ' : ''}make bench\`.`,
];
let failures = 0;
for (const benchmark of selected) {
  const started = performance.now();
  log(`${benchmark.name}: starting`);
  try {
    sections.push('', await benchmark.run({ quick, log }));
  } catch (error) {
    failures += 1;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`${benchmark.name}: failed\n${message}`);
    sections.push('', `## ${benchmark.name}: did not run to the end`, '', '```', message, '```');
  }
  log(`${benchmark.name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

const markdown = `${sections.join('\n').trimEnd()}\n`;
const results = new URL('./results/', import.meta.url);
mkdirSync(results, { recursive: true });
writeFileSync(new URL('latest.md', results), markdown);
process.stdout.write(markdown);
// Exit explicitly: a load generator or pool that forgot a timer must not hold `make bench` open.
process.exit(failures > 0 ? 1 : 0);
