import { useEffect, useRef, useState } from 'preact/hooks';
import { draft, loadState, resolvedIds } from './editor-store.ts';
import { LOAD_MARKS, markOnce } from './load-marks.ts';
import { loadSceneCode } from './scene-code.ts';
import type { SceneController } from './scene-controller.ts';
import { dismissNotice, modelLoading, notices } from './scene-signals.ts';

type Status = 'loading' | 'ready' | 'failed';

/**
 * The 3D view of the draft. Babylon and the scene code are imported once the saved config is here, not
 * with the page: the login screen and the panels never wait for the engine, and the requests for the
 * avatar's files go out before the engine's code takes the main thread.
 */
export function EditorViewport() {
  const canvas = useRef<HTMLCanvasElement>(null);
  const controller = useRef<SceneController | null>(null);
  const [status, setStatus] = useState<Status>('loading');
  const [generation, setGeneration] = useState(0);
  const [shown, setShown] = useState(0);
  const configReady = loadState.value.status === 'ready';

  useEffect(() => {
    if (!configReady || controller.current) return;
    let cancelled = false;
    loadSceneCode()
      .then(({ SceneController }) => {
        markOnce(LOAD_MARKS.engineCode);
        if (cancelled || !canvas.current) return;
        controller.current = new SceneController(canvas.current, () => setStatus('ready'));
        markOnce(LOAD_MARKS.engineStarted);
        setGeneration((g) => g + 1);
      })
      .catch(() => {
        if (!cancelled) setStatus('failed');
      });
    return () => {
      cancelled = true;
    };
  }, [configReady]);

  useEffect(
    () => () => {
      controller.current?.dispose();
      controller.current = null;
    },
    [],
  );

  const current = draft.value;
  const ids = resolvedIds.value;
  useEffect(() => {
    const scene = controller.current;
    if (!scene) return;
    let stale = false;
    void scene.show(current, ids).then(() => {
      if (!stale) setShown((n) => n + 1);
    });
    return () => {
      stale = true;
    };
  }, [current, ids, generation]);

  const loading = modelLoading.value;
  return (
    <div class="viewport editor-viewport">
      <canvas
        ref={canvas}
        class="scene-canvas"
        data-testid="scene-canvas"
        data-ready={status === 'ready' ? 'true' : 'false'}
        data-model-state={loading || shown === 0 ? 'loading' : 'ready'}
        data-shown={shown}
        aria-label="3D preview of your avatar. Drag to orbit, scroll to zoom."
        tabIndex={0}
      />
      {status === 'loading' && <div class="viewport-overlay">Loading 3D view…</div>}
      {status === 'failed' && (
        <div class="viewport-overlay error">
          The 3D view could not start. Reload the page, or use a browser with WebGL turned on.
        </div>
      )}
      {status === 'ready' && loading && (
        <div class="viewport-loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading model…
        </div>
      )}
      {status === 'ready' && <div class="viewport-hint">Drag to orbit · scroll to zoom</div>}
      {notices.value.length > 0 && (
        <ul class="viewport-notices" aria-live="polite">
          {notices.value.map((notice) => (
            <li key={notice.id} class="viewport-notice" data-testid="fallback-notice">
              <span>{notice.text}</span>
              <button
                type="button"
                class="notice-close"
                aria-label="Dismiss"
                onClick={() => dismissNotice(notice.id)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
