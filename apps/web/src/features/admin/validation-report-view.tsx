import type { Issue, ValidationReport } from '@avatar/asset-core';
import { formatBytes, formatCount } from './format.ts';

const SHOWN = 8;

/** The verdict of `validateGlb`: what blocks the upload, what is only worth knowing, and the counts. */
export function ValidationReportView({ report, testId }: { report: ValidationReport; testId?: string }) {
  const { errors, warnings, stats } = report;
  return (
    <div class="report" data-testid={testId} data-valid={report.valid ? 'true' : 'false'}>
      <div class={`verdict ${report.valid ? 'ok' : 'bad'}`} role="status">
        <span class="verdict-icon" aria-hidden="true">
          {report.valid ? '✓' : '!'}
        </span>
        <div>
          <strong>
            {report.valid
              ? 'Valid glTF binary'
              : `${errors.length} ${errors.length === 1 ? 'error' : 'errors'}: the file can't be uploaded`}
          </strong>
          <span class="muted small">
            {warnings.length > 0
              ? `${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'}`
              : 'No warnings'}
            {report.khronos && ` · Khronos validator ${report.khronos.version}`}
            {report.infoCount + report.hintCount > 0 &&
              ` · ${report.infoCount} infos, ${report.hintCount} hints`}
          </span>
        </div>
      </div>
      {stats && (
        <dl class="stat-grid compact">
          <Stat label="Size" value={formatBytes(stats.bytes)} />
          <Stat label="Triangles" value={formatCount(stats.triangles)} />
          <Stat label="Vertices" value={formatCount(stats.vertices)} />
          <Stat label="Meshes" value={formatCount(stats.meshes)} />
          <Stat label="Materials" value={formatCount(stats.materials)} />
          <Stat label="Textures" value={formatCount(stats.textures)} />
          <Stat label="Skins" value={formatCount(stats.skins)} />
          <Stat label="Animations" value={formatCount(stats.animations)} />
        </dl>
      )}
      <IssueList issues={errors} kind="error" />
      <IssueList issues={warnings} kind="warning" />
    </div>
  );
}

export function IssueList({ issues, kind }: { issues: readonly Issue[]; kind: 'error' | 'warning' }) {
  if (issues.length === 0) return null;
  const title = kind === 'error' ? 'Errors' : 'Warnings';
  const first = issues.slice(0, SHOWN);
  const rest = issues.slice(SHOWN);
  return (
    <div class={`issues ${kind}`} data-testid={`issues-${kind}`}>
      <h4>
        {title} <span class="count">{issues.length}</span>
      </h4>
      <ul>{first.map(issueItem)}</ul>
      {rest.length > 0 && (
        <details class="issues-more">
          <summary>Show {rest.length} more</summary>
          <ul>{rest.map(issueItem)}</ul>
        </details>
      )}
    </div>
  );
}

function issueItem(issue: Issue, index: number) {
  return (
    <li key={`${issue.code}-${index}`}>
      <code class="issue-code">{issue.code}</code>
      <span>{issue.message}</span>
      {issue.pointer && <code class="issue-pointer">{issue.pointer}</code>}
    </li>
  );
}

export function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
