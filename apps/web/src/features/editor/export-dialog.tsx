import {
  type Export,
  type ExportFormat,
  type ExportFormatList,
  type ExportQuality,
  exportFormatDescriptions,
  exportFormats,
  exportQualities,
} from '@avatar/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { humanMessage } from '../../api/errors.ts';
import { api } from '../../api/trpc.ts';
import { dirty, save } from './editor-store.ts';
import { ExportStatus, PastExports } from './export-status.tsx';
import { followExport, isFinished } from './export-tracker.ts';

type Phase =
  | { step: 'choose'; error?: string }
  | { step: 'starting' }
  | { step: 'tracking'; item: Export; trouble?: string };

const qualityHint = (info: ExportFormatList | null, quality: ExportQuality) => {
  const preset = info?.qualities.find((q) => q.quality === quality);
  return preset
    ? `up to ${preset.maxTriangles.toLocaleString('en')} triangles, ${preset.maxTextureSize} px textures`
    : '';
};

/** Starts a file download of a URL the server signed (the link stays on screen as well). */
function startDownload(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = '';
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}

/** The export dialog: format, quality, background; then the status live, and the download. */
export function ExportDialog({ userId, onClose }: { userId: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [format, setFormat] = useState<ExportFormat>('glb');
  const [quality, setQuality] = useState<ExportQuality>('medium');
  const [background, setBackground] = useState(true);
  const [phase, setPhase] = useState<Phase>({ step: 'choose' });
  const [info, setInfo] = useState<ExportFormatList | null>(null);
  const stopFollowing = useRef<(() => void) | null>(null);
  const downloaded = useRef(new Set<string>());

  useEffect(() => {
    dialog.current?.showModal();
    api.exports.formats
      .query()
      .then(setInfo)
      .catch(() => setInfo(null));
    return () => stopFollowing.current?.();
  }, []);

  const available = (f: ExportFormat) => info?.formats.find((x) => x.format === f)?.available ?? true;

  const track = (item: Export) => {
    setPhase({ step: 'tracking', item });
    const finish = (latest: Export) => {
      if (latest.status === 'completed' && latest.downloadUrl && !downloaded.current.has(latest.id)) {
        downloaded.current.add(latest.id);
        startDownload(latest.downloadUrl);
      }
    };
    if (isFinished(item)) {
      finish(item);
      return;
    }
    stopFollowing.current?.();
    stopFollowing.current = followExport(item.id, {
      onUpdate: (latest) => {
        setPhase({ step: 'tracking', item: latest });
        finish(latest);
      },
      onTrouble: (message) =>
        setPhase((p) =>
          p.step === 'tracking' ? { ...p, trouble: `Can't check on the export right now: ${message}` } : p,
        ),
    });
  };

  const start = async () => {
    setPhase({ step: 'starting' });
    if (dirty.value && !(await save())) {
      setPhase({
        step: 'choose',
        error: 'Your changes could not be saved, so the export did not start. Try again.',
      });
      return;
    }
    try {
      const item = await api.exports.create.mutate({ format, quality, async: background });
      track(item);
    } catch (error) {
      setPhase({ step: 'choose', error: humanMessage(error) });
    }
  };

  const close = () => {
    stopFollowing.current?.();
    dialog.current?.close();
    onClose();
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes a modal dialog natively; this is the backdrop click.
    <dialog
      ref={dialog}
      class="export-dialog"
      aria-labelledby="export-title"
      data-testid="export-dialog"
      onClose={onClose}
      onClick={(e) => {
        if (e.target === dialog.current) close();
      }}
    >
      <div class="export-body">
        <header class="export-head">
          <h2 id="export-title">Export your avatar</h2>
          <button type="button" class="icon-button" aria-label="Close" onClick={close}>
            ×
          </button>
        </header>

        {phase.step !== 'tracking' && (
          <form
            class="export-form"
            onSubmit={(e) => {
              e.preventDefault();
              void start();
            }}
          >
            <fieldset class="format-list">
              <legend>Format</legend>
              {exportFormats.map((f) => (
                <label
                  key={f}
                  class={`format-option${format === f ? ' checked' : ''}${available(f) ? '' : ' unavailable'}`}
                >
                  <input
                    type="radio"
                    name="format"
                    value={f}
                    checked={format === f}
                    onChange={() => setFormat(f)}
                    data-testid={`format-${f}`}
                  />
                  <span class="format-name">
                    {f.toUpperCase()}
                    {!available(f) && <span class="pill pill-processing">Not available yet</span>}
                  </span>
                  <span class="format-description">{exportFormatDescriptions[f]}</span>
                </label>
              ))}
            </fieldset>

            <fieldset class="quality">
              <legend>Quality</legend>
              <div class="segmented">
                {exportQualities.map((q) => (
                  <label key={q} class={`segment${quality === q ? ' checked' : ''}`}>
                    <input
                      type="radio"
                      name="quality"
                      value={q}
                      checked={quality === q}
                      onChange={() => setQuality(q)}
                    />
                    {q.charAt(0).toUpperCase() + q.slice(1)}
                  </label>
                ))}
              </div>
              <p class="hint">{qualityHint(info, quality)}</p>
            </fieldset>

            <label class="check-row">
              <input
                type="checkbox"
                checked={background}
                onChange={(e) => setBackground(e.currentTarget.checked)}
                data-testid="export-background"
              />
              <span>
                Make it in the background
                <span class="hint">Keep editing while the file is made; it downloads when ready.</span>
              </span>
            </label>

            {phase.step === 'choose' && phase.error && (
              <p class="form-error" role="alert" data-testid="export-error">
                {phase.error}
              </p>
            )}
            {dirty.value && (
              <p class="hint">Your unsaved changes are saved first: exports use your saved avatar.</p>
            )}
            <div class="export-actions">
              <button type="button" class="button ghost" onClick={close}>
                Cancel
              </button>
              <button
                type="submit"
                class="button primary"
                disabled={phase.step === 'starting'}
                data-testid="export-start"
              >
                {phase.step === 'starting' ? (
                  <>
                    <span class="spinner" aria-hidden="true" /> Starting…
                  </>
                ) : dirty.value ? (
                  `Save and export ${format.toUpperCase()}`
                ) : (
                  `Export ${format.toUpperCase()}`
                )}
              </button>
            </div>
          </form>
        )}

        {phase.step === 'tracking' && (
          <ExportStatus
            item={phase.item}
            trouble={phase.trouble}
            onRetry={() => void start()}
            onAnother={() => setPhase({ step: 'choose' })}
          />
        )}

        <PastExports userId={userId} current={phase.step === 'tracking' ? phase.item : null} />
      </div>
    </dialog>
  );
}
