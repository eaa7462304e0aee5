import { useEffect, useRef, useState } from 'preact/hooks';
import type { SceneHandle } from '../../engine/create-scene.ts';

type Status = 'loading' | 'ready' | 'failed';

/**
 * The 3D viewport. Babylon is imported on mount, not with the page, so the login screen never waits
 * for the engine to download.
 */
export function SceneView() {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [status, setStatus] = useState<Status>('loading');

  useEffect(() => {
    let handle: SceneHandle | undefined;
    let cancelled = false;
    import('../../engine/create-scene.ts')
      .then(({ createScene }) => {
        if (cancelled || !canvas.current) return;
        handle = createScene(canvas.current, { onFirstFrame: () => setStatus('ready') });
        // The scene draws nothing until it has an avatar: this view shows the built-in one.
        handle.builder.showBuiltIn();
      })
      .catch(() => {
        if (!cancelled) setStatus('failed');
      });
    return () => {
      cancelled = true;
      handle?.dispose();
    };
  }, []);

  return (
    <div class="viewport">
      <canvas
        ref={canvas}
        class="scene-canvas"
        data-testid="scene-canvas"
        data-ready={status === 'ready' ? 'true' : 'false'}
        aria-label="3D preview of your avatar"
      />
      {status === 'loading' && <div class="viewport-overlay">Loading 3D view…</div>}
      {status === 'failed' && (
        <div class="viewport-overlay error">
          The 3D view could not start. Reload the page, or use a browser with WebGL turned on.
        </div>
      )}
      {status === 'ready' && <div class="viewport-hint">Drag to orbit · scroll to zoom</div>}
    </div>
  );
}
