import type { Export } from '@avatar/contracts';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/trpc.ts';

const STATUS_TEXT: Record<Export['status'], string> = {
  pending: 'Waiting in line…',
  processing: 'Putting your avatar together…',
  completed: 'Ready',
  failed: 'Failed',
};

const STEP: Record<Export['status'], number> = { pending: 1, processing: 2, completed: 3, failed: 3 };

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function ExportStatus(props: {
  item: Export;
  trouble: string | undefined;
  onRetry: () => void;
  onAnother: () => void;
}) {
  const { item } = props;
  const done = item.status === 'completed';
  const failed = item.status === 'failed';
  return (
    <section class="export-status" data-testid="export-status" data-status={item.status} aria-live="polite">
      <div class="status-line">
        <strong>
          {item.format.toUpperCase()} · {item.quality}
        </strong>
        <span class={`pill pill-${done ? 'active' : failed ? 'failed' : 'processing'}`}>
          {!done && !failed && <span class="spinner" aria-hidden="true" />}
          {STATUS_TEXT[item.status]}
        </span>
      </div>
      <ol class="steps" aria-label="Progress">
        {['Queued', 'Building', 'Ready'].map((name, i) => (
          <li
            key={name}
            class={`step${STEP[item.status] > i + 1 || done ? ' done' : ''}${STEP[item.status] === i + 1 && !done ? ' current' : ''}`}
          >
            {name}
          </li>
        ))}
      </ol>
      {!done && !failed && (
        <div class="progress indeterminate" role="progressbar" aria-label="Export progress">
          <div class="progress-fill" />
        </div>
      )}
      {item.notice && <p class="hint">{item.notice}</p>}
      {props.trouble && <p class="banner warning">{props.trouble}</p>}
      {done && item.downloadUrl && (
        <div class="export-done">
          <p>
            Your file is ready{item.bytes !== null ? ` (${formatBytes(item.bytes)})` : ''}. The download
            should start by itself.
          </p>
          <a class="button primary" href={item.downloadUrl} download data-testid="export-download">
            Download {item.format.toUpperCase()}
          </a>
          <button type="button" class="button ghost" onClick={props.onAnother}>
            Export another
          </button>
        </div>
      )}
      {failed && (
        <div class="export-done">
          <p class="form-error" role="alert" data-testid="export-error">
            {item.error?.message ?? 'The export failed. Please try again.'}
            {item.requestId && <span class="small"> (reference {item.requestId})</span>}
          </p>
          <button type="button" class="button primary" onClick={props.onRetry}>
            Try again
          </button>
          <button type="button" class="button ghost" onClick={props.onAnother}>
            Change settings
          </button>
        </div>
      )}
    </section>
  );
}

/** My latest finished exports (from any device), with fresh download links while the files last. */
export function PastExports({ current }: { userId: string; current: Export | null }) {
  const [items, setItems] = useState<Export[]>([]);
  const currentId = current?.id;
  const currentStatus = current?.status;
  useEffect(() => {
    let live = true;
    api.exports.list.query({ limit: 12 }).then(
      ({ items: found }) => {
        if (!live) return;
        const done = found.filter((e) => e.id !== currentId && e.status === 'completed' && !!e.downloadUrl);
        setItems(done.slice(0, 5));
      },
      () => {
        // The list is a convenience: without it the dialog still exports.
      },
    );
    return () => {
      live = false;
    };
  }, [currentId, currentStatus]);
  if (items.length === 0) return null;
  return (
    <section class="past-exports">
      <h3>Recent exports</h3>
      <ul>
        {items.map((item) => (
          <li key={item.id} class="past-export">
            <span>
              {item.format.toUpperCase()} · {item.quality}
              <span class="muted small"> {new Date(item.createdAt).toLocaleString()}</span>
            </span>
            <a class="link" href={item.downloadUrl ?? '#'} download>
              Download{item.bytes !== null ? ` (${formatBytes(item.bytes)})` : ''}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
