import type { AuditEntry } from '@avatar/contracts';
import type { Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/tables.ts';

type Executor = Db | Transaction<Database>;

export interface AuditRecord {
  actorId: string | null;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

/** Appends one admin action to the audit log; inside the action's own transaction when it has one. */
export async function recordAudit(db: Executor, record: AuditRecord): Promise<void> {
  await db
    .insertInto('admin_audit_log')
    .values({
      actor_id: record.actorId,
      action: record.action,
      target: record.target ?? null,
      details: JSON.stringify(record.details ?? {}),
    })
    .execute();
}

/** Newest first, with the actor's email (null once the user is gone). */
export async function listAudit(db: Executor, limit: number): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom('admin_audit_log as l')
    .leftJoin('users as u', 'u.id', 'l.actor_id')
    .select(['l.id', 'u.email', 'l.action', 'l.target', 'l.details', 'l.created_at'])
    .orderBy('l.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toAuditEntry);
}

function toAuditEntry(row: {
  id: string;
  email: string | null;
  action: string;
  target: string | null;
  details: unknown;
  created_at: Date;
}): AuditEntry {
  return {
    id: String(row.id),
    actorEmail: row.email,
    action: row.action,
    target: row.target,
    details: (row.details ?? {}) as Record<string, unknown>,
    createdAt: row.created_at.toISOString(),
  };
}

const SECRET = /password|secret|token/i;

/** The input with secrets left out and long values cut, as the audit log keeps it. */
function auditDetails(input: unknown): Record<string, unknown> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return {};
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (SECRET.test(key)) continue;
    const text = JSON.stringify(value);
    details[key] = text !== undefined && text.length > 500 ? `${text.slice(0, 500)}…` : value;
  }
  return details;
}

/**
 * Records one successful admin mutation (the admin procedure builder calls this for every one, so a new
 * procedure is audited without asking). A failure to record is logged, not thrown: the action happened.
 */
export async function auditAdminMutation(
  ctx: { db: Db; auth: { user: { id: string } }; log: { warn: (obj: object, msg: string) => void } },
  path: string,
  input: unknown,
): Promise<void> {
  const details = auditDetails(input);
  const target = typeof details.id === 'string' ? details.id : null;
  try {
    await recordAudit(ctx.db, { actorId: ctx.auth.user.id, action: path, target, details });
  } catch (error) {
    ctx.log.warn({ err: error, action: path }, 'could not write the audit log');
  }
}
