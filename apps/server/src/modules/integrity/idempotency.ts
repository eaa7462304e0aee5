import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';

export interface IdempotencyScope {
  db: Db;
  config: Pick<Config, 'IDEMPOTENCY_TTL_SECONDS'>;
  userId: string;
  /** The operation the key is for: one key may be used once per operation. */
  operation: 'upload.create' | 'upload.complete' | 'catalog.createVersion' | 'export.create';
  /** The `Idempotency-Key` header, when the client sent one. */
  key: string | undefined;
  /** Told when an answer is a replay (the HTTP layer sets `Idempotent-Replayed: true`). */
  onReplay?: () => void;
}

const KEY = /^[\x21-\x7e]{1,255}$/;
/** How long a duplicate waits for the first request with its key to finish before answering 409. */
const WAIT_MS = 30_000;

/** Key order must not change the hash: `{a, b}` and `{b, a}` are the same request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

const hashOf = (body: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');

/**
 * Runs `run` once per (user, operation, Idempotency-Key): the first request claims the key in PostgreSQL
 * (so concurrent duplicates, in any API process, find the claim), later ones with the same body get the
 * first answer, with another body a 422. A failed first request releases the key, so the client's retry
 * runs for real. Without a key, `run` just runs.
 */
export async function idempotent<T>(
  scope: IdempotencyScope,
  body: unknown,
  run: () => Promise<T>,
): Promise<T> {
  if (scope.key === undefined) return run();
  if (!KEY.test(scope.key)) {
    throw new AppError(
      'BAD_REQUEST',
      'VALIDATION_FAILED',
      'Idempotency-Key must be 1 to 255 visible ASCII characters',
    );
  }
  const hash = hashOf(body);
  const where = { user_id: scope.userId, scope: scope.operation, key: scope.key };
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const claimed = await scope.db
      .insertInto('idempotency_keys')
      .values({
        ...where,
        request_hash: hash,
        status: 'pending',
        expires_at: sql<Date>`now() + make_interval(secs => ${scope.config.IDEMPOTENCY_TTL_SECONDS})`,
      })
      .onConflict((oc) => oc.columns(['user_id', 'scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (claimed) return runClaimed(scope, where, run);

    const existing = await scope.db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status', 'response', sql<boolean>`expires_at < now()`.as('expired')])
      .where('user_id', '=', where.user_id)
      .where('scope', '=', where.scope)
      .where('key', '=', where.key)
      .executeTakeFirst();
    if (!existing) continue; // released by a failed first request a moment ago: claim it now
    if (existing.expired) {
      await deleteKey(scope.db, where);
      continue;
    }
    if (existing.request_hash !== hash) {
      throw new AppError(
        'UNPROCESSABLE_CONTENT',
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different request; use a new key',
      );
    }
    if (existing.status === 'done') {
      scope.onReplay?.();
      return existing.response as T;
    }
    if (Date.now() > deadline) {
      throw new AppError(
        'CONFLICT',
        'IDEMPOTENCY_IN_PROGRESS',
        'A request with this Idempotency-Key is still in progress; try again shortly',
        { headers: { 'retry-after': '2' } },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Where = { user_id: string; scope: string; key: string };

async function runClaimed<T>(scope: IdempotencyScope, where: Where, run: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await run();
  } catch (error) {
    await deleteKey(scope.db, where).catch(() => {}); // expires on its own if the database is what failed
    throw error;
  }
  await scope.db
    .updateTable('idempotency_keys')
    .set({ status: 'done', response: JSON.stringify(result) })
    .where('user_id', '=', where.user_id)
    .where('scope', '=', where.scope)
    .where('key', '=', where.key)
    .execute();
  return result;
}

async function deleteKey(db: Db, where: Where): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('user_id', '=', where.user_id)
    .where('scope', '=', where.scope)
    .where('key', '=', where.key)
    .execute();
}

/** The scope for a tRPC procedure: the header from its request, the replay marker on its response. */
export function idempotencyFrom(
  ctx: {
    db: Db;
    config: Pick<Config, 'IDEMPOTENCY_TTL_SECONDS'>;
    req: { headers: Record<string, string | string[] | undefined> };
    res: { setHeader: (name: string, value: string) => unknown };
    auth: { user: { id: string } };
  },
  operation: IdempotencyScope['operation'],
): IdempotencyScope {
  const header = ctx.req.headers['idempotency-key'];
  return {
    db: ctx.db,
    config: ctx.config,
    userId: ctx.auth.user.id,
    operation,
    key: Array.isArray(header) ? header[0] : header,
    onReplay: () => ctx.res.setHeader('idempotent-replayed', 'true'),
  };
}
