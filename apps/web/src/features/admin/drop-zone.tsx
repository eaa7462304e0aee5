import { useState } from 'preact/hooks';
import { formatBytes } from './format.ts';

interface Props {
  id: string;
  file: File | null;
  disabled?: boolean;
  onFile: (file: File) => void;
  onClear: () => void;
}

/**
 * Where a GLB comes in: dropped on the zone, or picked with the file input inside it (a real input,
 * visually hidden but focusable, so the keyboard and screen readers reach it like any button).
 */
export function DropZone({ id, file, disabled, onFile, onClear }: Props) {
  const [over, setOver] = useState(false);

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setOver(false);
    const dropped = event.dataTransfer?.files[0];
    if (dropped && !disabled) onFile(dropped);
  }

  const input = (
    <input
      id={id}
      class="visually-hidden"
      type="file"
      accept=".glb,model/gltf-binary"
      disabled={disabled}
      data-testid="upload-input"
      onChange={(e) => {
        const picked = e.currentTarget.files?.[0];
        if (picked) onFile(picked);
        e.currentTarget.value = '';
      }}
    />
  );

  if (file) {
    return (
      <div class="file-row">
        <span class="file-icon" aria-hidden="true">
          GLB
        </span>
        <div class="file-text">
          <strong data-testid="upload-file-name">{file.name}</strong>
          <span class="muted small">{formatBytes(file.size)}</span>
        </div>
        <label for={id} class={`button ghost small${disabled ? ' is-disabled' : ''}`}>
          Change file
          {input}
        </label>
        <button type="button" class="button ghost small" onClick={onClear} disabled={disabled}>
          Remove
        </button>
      </div>
    );
  }

  return (
    <label
      for={id}
      class={`dropzone${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      data-testid="dropzone"
    >
      <svg class="dropzone-icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 3l5 5h-3v6h-4V8H7zM5 15h2v3h10v-3h2v5H5z" />
      </svg>
      <span class="dropzone-title">
        Drop a <strong>.glb</strong> file here or <span class="link">choose a file</span>
      </span>
      <span class="muted small">Checked in your browser first: nothing is sent until it passes.</span>
      {input}
    </label>
  );
}
