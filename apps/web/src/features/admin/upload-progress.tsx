import { formatBytes } from './format.ts';

export function UploadProgressBar({
  loaded,
  total,
  onCancel,
}: {
  loaded: number;
  total: number;
  onCancel: () => void;
}) {
  const percent = total > 0 ? Math.min(100, Math.round((loaded / total) * 100)) : 0;
  const label = percent >= 100 ? 'Sent: the server is checking the file…' : `Uploading… ${percent}%`;
  return (
    <div class="progress-block" data-testid="upload-progress">
      <div class="progress-text">
        <span>{label}</span>
        <span class="muted small">
          {formatBytes(loaded)} of {formatBytes(total)}
        </span>
      </div>
      <div
        class="progress"
        role="progressbar"
        aria-label="Upload progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div class="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <button type="button" class="button ghost small" onClick={onCancel}>
        Cancel upload
      </button>
    </div>
  );
}
