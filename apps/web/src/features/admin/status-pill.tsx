import type { AssetStatus } from '@avatar/contracts';
import { statusLabels } from './format.ts';

export function StatusPill({ status }: { status: AssetStatus }) {
  return (
    <span class={`pill pill-${status}`} data-testid="status-pill" data-status={status}>
      {status === 'processing' && <span class="spinner" aria-hidden="true" />}
      {statusLabels[status]}
    </span>
  );
}
