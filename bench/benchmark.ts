export interface BenchContext {
  /** BENCH_QUICK=1: a smoke run (small data, short loads); its figures mean little. */
  quick: boolean;
  /** Progress for the person waiting; goes to stderr so stdout stays the report. */
  log: (line: string) => void;
}

/** One benchmark file's entry: runs everything it measures and answers a Markdown section. */
export interface Benchmark {
  name: string;
  run: (context: BenchContext) => Promise<string>;
}
