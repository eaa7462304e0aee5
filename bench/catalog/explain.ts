import type { KyselyPlugin } from 'kysely';
import type Pg from 'pg';
import type { Db } from '../../apps/server/src/db/database.ts';

export interface CapturedQuery {
  sql: string;
  parameters: readonly unknown[];
}

/**
 * Runs `fn` with a database handle that records the SQL of every query it executes, exactly as the
 * server's code builds it (same repository and service functions, same parameters).
 */
export async function captureQueries(db: Db, fn: (db: Db) => Promise<unknown>): Promise<CapturedQuery[]> {
  const compiled = new Map<object, CapturedQuery & { order: number }>();
  const executed = new Set<CapturedQuery & { order: number }>();
  const executor = db.getExecutor();
  const recorder: KyselyPlugin = {
    // Subqueries pass through here too (when embedded in their parent), so a query counts only once
    // its result comes back; the list keeps the order in which the code built the queries.
    transformQuery({ node, queryId }) {
      const { sql, parameters } = executor.compileQuery(node, queryId);
      compiled.set(queryId, { sql, parameters, order: compiled.size });
      return node;
    },
    async transformResult({ result, queryId }) {
      const query = compiled.get(queryId);
      if (query) executed.add(query);
      return result;
    },
  };
  await fn(db.withPlugin(recorder));
  return [...executed].sort((a, b) => a.order - b.order).map(({ sql, parameters }) => ({ sql, parameters }));
}

export interface ExplainedQuery extends CapturedQuery {
  plan: string;
  /** One line per scan node, e.g. "Index Scan using asset_catalog_status_idx on asset_catalog". */
  scans: string[];
  /** No sequential scan anywhere in the plan. */
  usesIndexes: boolean;
  executionMs: number;
}

const SCAN =
  /((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan)[^(]*)/;

export async function explain(client: Pg.ClientBase, query: CapturedQuery): Promise<ExplainedQuery> {
  const result = await client.query<{ 'QUERY PLAN': string }>(
    `explain (analyze, buffers) ${query.sql}`,
    query.parameters as unknown[],
  );
  const lines = result.rows.map((r) => r['QUERY PLAN']);
  const scans = lines.flatMap((line) => SCAN.exec(line)?.[1]?.trim() ?? []);
  const execution = lines.find((l) => l.startsWith('Execution Time:'));
  return {
    ...query,
    plan: lines.join('\n'),
    scans,
    usesIndexes: scans.length > 0 && !scans.some((s) => s.includes('Seq Scan')),
    executionMs: Number(execution?.match(/([\d.]+) ms/)?.[1] ?? Number.NaN),
  };
}
