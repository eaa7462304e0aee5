import { z } from 'zod';

/** `GET /api/v1/admin/integrity`: how much to check. */
export const IntegrityReportInput = z.object({
  /** `verify`: re-read every catalog original and compare its sha256 with the row's (slow on a large catalog). */
  checksums: z.enum(['verify', 'skip']).default('verify'),
});
export type IntegrityReportInput = z.infer<typeof IntegrityReportInput>;

/** An object in storage that no row refers to. */
export const OrphanObject = z.object({
  key: z.string(),
  size: z.number().int().nonnegative(),
  lastModified: z.string(),
  /** Older than the grace period, so a repair would remove it (younger ones may be a write in flight). */
  repairable: z.boolean(),
});
export type OrphanObject = z.infer<typeof OrphanObject>;

/** A row naming an object that storage does not have. */
export const MissingObject = z.object({
  kind: z.enum(['asset', 'asset-thumbnail', 'asset-variant', 'export', 'avatar-glb']),
  id: z.string(),
  key: z.string(),
});
export type MissingObject = z.infer<typeof MissingObject>;

export const ChecksumMismatch = z.object({
  assetId: z.string(),
  key: z.string(),
  expected: z.string(),
  actual: z.string(),
});
export type ChecksumMismatch = z.infer<typeof ChecksumMismatch>;

export const IntegrityReport = z.object({
  checkedAt: z.string(),
  graceSeconds: z.number().int().nonnegative(),
  objectsScanned: z.number().int().nonnegative(),
  rowsChecked: z.number().int().nonnegative(),
  checksumsVerified: z.number().int().nonnegative(),
  /** True when a scan stopped at its bound; the lists then cover only what was scanned. */
  truncated: z.boolean(),
  orphanObjects: z.array(OrphanObject),
  missingObjects: z.array(MissingObject),
  checksumMismatches: z.array(ChecksumMismatch),
});
export type IntegrityReport = z.infer<typeof IntegrityReport>;

/** `POST /api/v1/admin/integrity/repair`: removes orphan objects older than the grace period. */
export const IntegrityRepairInput = z.object({
  /** Only these keys (each must still be an orphan at the moment of deletion); default: every orphan. */
  keys: z.array(z.string().min(1).max(1024)).max(1000).optional(),
});
export type IntegrityRepairInput = z.infer<typeof IntegrityRepairInput>;

export const IntegrityRepairResult = z.object({
  deleted: z.array(z.string()),
  skipped: z.array(
    z.object({ key: z.string(), reason: z.enum(['referenced', 'too-recent', 'gone', 'not-scanned']) }),
  ),
});
export type IntegrityRepairResult = z.infer<typeof IntegrityRepairResult>;

/** One line of the admin audit log. */
export const AuditEntry = z.object({
  id: z.string(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditLogInput = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
export const AuditLogPage = z.object({ items: z.array(AuditEntry) });
export type AuditLogPage = z.infer<typeof AuditLogPage>;
