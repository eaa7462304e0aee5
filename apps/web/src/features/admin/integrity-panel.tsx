import type { IntegrityRepairResult, IntegrityReport } from '@avatar/contracts';
import { useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import { api } from '../../api/trpc.ts';

type Busy = 'checking' | 'repairing' | null;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const bytes = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;

/**
 * Storage integrity (admin): objects no row refers to, rows whose object is gone, and originals whose bytes
 * no longer match their sha256. "Remove" deletes only orphans older than the grace period; the server
 * checks each one again at the moment it deletes it.
 */
export function IntegrityPanel() {
  const [report, setReport] = useState<IntegrityReport | null>(null);
  const [repaired, setRepaired] = useState<IntegrityRepairResult | null>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);

  async function check() {
    setBusy('checking');
    setError(null);
    try {
      setReport(await api.integrity.report.query({ checksums: 'verify' }));
    } catch (e) {
      setError(humanMessage(e));
    } finally {
      setBusy(null);
    }
  }

  async function repair() {
    setBusy('repairing');
    setError(null);
    try {
      setRepaired(await api.integrity.repair.mutate({}));
      setReport(await api.integrity.report.query({ checksums: 'skip' }));
    } catch (e) {
      setError(humanMessage(e));
    } finally {
      setBusy(null);
    }
  }

  const removable = report?.orphanObjects.filter((o) => o.repairable).length ?? 0;
  const clean =
    report &&
    report.orphanObjects.length === 0 &&
    report.missingObjects.length === 0 &&
    report.checksumMismatches.length === 0;

  return (
    <section class="panel integrity-panel" aria-labelledby="integrity-title" data-testid="integrity-panel">
      <h2 id="integrity-title">Storage integrity</h2>
      <p class="muted">
        Compares stored files with the catalog, exports and avatars, and re-reads every original to check its
        checksum.
      </p>
      <div class="page-actions">
        <button
          type="button"
          class="button primary"
          disabled={busy !== null}
          onClick={() => void check()}
          data-testid="integrity-check"
        >
          {busy === 'checking' ? 'Checking…' : 'Check storage'}
        </button>
        {report && (
          <button
            type="button"
            class="button danger-outline"
            disabled={busy !== null || removable === 0}
            onClick={() => void repair()}
            data-testid="integrity-repair"
          >
            {busy === 'repairing'
              ? 'Removing…'
              : `Remove ${removable} orphan object${removable === 1 ? '' : 's'}`}
          </button>
        )}
      </div>

      {error && (
        <p class="banner error" role="alert" data-testid="integrity-error">
          {error}
        </p>
      )}
      {repaired && (
        <p class="banner success" role="status" data-testid="integrity-repaired">
          Removed {repaired.deleted.length} object{repaired.deleted.length === 1 ? '' : 's'}
          {repaired.skipped.length ? `; kept ${repaired.skipped.length} (still in use or too recent)` : ''}.
        </p>
      )}

      {report && (
        <div data-testid="integrity-report">
          <p role="status" data-testid="integrity-summary">
            {clean ? 'Everything matches. ' : ''}
            {plural(report.objectsScanned, 'file')} and {plural(report.rowsChecked, 'reference')} checked,{' '}
            {plural(report.checksumsVerified, 'checksum')} verified
            {report.truncated ? ' (stopped at the scan limit)' : ''}.
          </p>
          <IssueList
            title="Files no row refers to"
            testId="integrity-orphans"
            items={report.orphanObjects.map((o) => ({
              key: o.key,
              text: `${o.key} — ${bytes(o.size)}${o.repairable ? '' : ' (too recent to remove)'}`,
            }))}
          />
          <IssueList
            title="References to missing files"
            testId="integrity-missing"
            items={report.missingObjects.map((m) => ({
              key: `${m.kind}:${m.key}`,
              text: `${m.kind} ${m.id}: ${m.key}`,
            }))}
          />
          <IssueList
            title="Checksum mismatches"
            testId="integrity-mismatches"
            items={report.checksumMismatches.map((m) => ({
              key: m.key,
              text: `${m.key} (asset ${m.assetId})`,
            }))}
          />
        </div>
      )}
    </section>
  );
}

function IssueList(props: { title: string; testId: string; items: { key: string; text: string }[] }) {
  return (
    <div class="integrity-issues" data-testid={props.testId}>
      <h3>
        {props.title}: {props.items.length}
      </h3>
      {props.items.length > 0 && (
        <ul>
          {props.items.slice(0, 100).map((item) => (
            <li key={item.key}>
              <code>{item.text}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
