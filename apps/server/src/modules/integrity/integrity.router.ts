import {
  AuditLogInput,
  AuditLogPage,
  IntegrityRepairInput,
  IntegrityRepairResult,
  IntegrityReport,
  IntegrityReportInput,
} from '@avatar/contracts';
import { adminProcedure, router } from '../../trpc/trpc.ts';
import { listAudit, recordAudit } from './audit-log.ts';
import * as integrity from './integrity.service.ts';

const tags = ['admin'];

export const integrityRouter = router({
  report: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/admin/integrity',
        tags,
        summary: 'Storage integrity report: orphan objects, missing objects, checksum mismatches (admin)',
      },
    })
    .input(IntegrityReportInput)
    .output(IntegrityReport)
    .query(({ ctx, input }) => integrity.report(ctx, { verifyChecksums: input.checksums === 'verify' })),

  repair: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/admin/integrity/repair',
        tags,
        summary: 'Remove orphan objects older than the grace period (admin)',
      },
    })
    .input(IntegrityRepairInput)
    .output(IntegrityRepairResult)
    .mutation(async ({ ctx, input }) => {
      const result = await integrity.repair(ctx, { keys: input.keys });
      // The procedure itself is audited with its input; this entry says what was removed.
      await recordAudit(ctx.db, {
        actorId: ctx.auth.user.id,
        action: 'integrity.repair.deleted',
        details: { deleted: result.deleted, skipped: result.skipped.length },
      });
      return result;
    }),

  auditLog: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/admin/audit-log',
        tags,
        summary: 'Admin actions, newest first',
      },
    })
    .input(AuditLogInput)
    .output(AuditLogPage)
    .query(async ({ ctx, input }) => ({ items: await listAudit(ctx.db, input.limit) })),
});
