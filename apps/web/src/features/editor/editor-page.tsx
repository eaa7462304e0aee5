import type { AssetSummary, User } from '@avatar/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { AssetPreloader } from '../../resources/asset-preloader.ts';
import {
  dirty,
  draft,
  loadConfig,
  loadState,
  redoable,
  redoEdit,
  save,
  saveState,
  undoable,
  undoEdit,
} from './editor-store.ts';
import { EditorViewport } from './editor-viewport.tsx';
import { ExportDialog } from './export-dialog.tsx';
import { ColorsPanel, ShapePanel } from './looks-panel.tsx';
import { PartsBrowser } from './parts-browser.tsx';

type Tab = 'parts' | 'colors' | 'shape';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'parts', label: 'Parts' },
  { id: 'colors', label: 'Colors' },
  { id: 'shape', label: 'Shape' },
];

const preloader = new AssetPreloader();

/** Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z (or Ctrl+Y) redoes, Ctrl/Cmd+S saves; text fields keep their own undo. */
function useShortcuts() {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === 's') {
        event.preventDefault();
        void save();
        return;
      }
      const target = event.target as HTMLElement | null;
      const typing =
        target instanceof HTMLTextAreaElement ||
        (target instanceof HTMLInputElement &&
          !['color', 'range', 'radio', 'checkbox', 'button'].includes(target.type));
      if (typing) return;
      if (key === 'z' && !event.shiftKey) {
        event.preventDefault();
        undoEdit();
      } else if ((key === 'z' && event.shiftKey) || key === 'y') {
        event.preventDefault();
        redoEdit();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}

/** Warns before leaving the page with unsaved changes. */
function useLeaveWarning() {
  useEffect(() => {
    const onLeave = (event: BeforeUnloadEvent) => {
      if (dirty.peek()) event.preventDefault();
    };
    addEventListener('beforeunload', onLeave);
    return () => removeEventListener('beforeunload', onLeave);
  }, []);
}

/** The player's editor at `/`: the avatar in 3D beside the parts, colors and shape controls. */
export function EditorPage({ user }: { user: User }) {
  const [tab, setTab] = useState<Tab>('parts');
  const [exporting, setExporting] = useState(false);
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ parts: null, colors: null, shape: null });
  useShortcuts();
  useLeaveWarning();

  useEffect(() => {
    void loadConfig();
    return () => preloader.stop();
  }, []);

  // After the first paint, in idle time: the config's own models first, then what the browser lists.
  const preloadFrom = (items: AssetSummary[]) => {
    const present = draft.peek();
    const mine = [
      present.modelAssetId,
      present.parts.hair,
      present.parts.top,
      present.parts.bottom,
      present.parts.shoes,
      ...(present.parts.accessories ?? []),
    ];
    void preloader.preload([
      ...mine.filter((id): id is string => !!id),
      ...items.slice(0, 12).map((item) => item.id),
    ]);
  };

  const state = loadState.value;
  const saving = saveState.value;
  const onTabKey = (event: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = TABS[(i + step + TABS.length) % TABS.length]!.id;
    setTab(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <section class="editor player-editor" data-testid="editor">
      <div class="editor-bar">
        <div class="editor-title">
          <h1>Your avatar</h1>
          <p
            class="save-state"
            data-testid="save-state"
            data-dirty={dirty.value ? 'true' : 'false'}
            aria-live="polite"
          >
            {state.status === 'loading' ? (
              <span class="muted">Loading your avatar…</span>
            ) : saving.status === 'saving' ? (
              <span class="muted">
                <span class="spinner" aria-hidden="true" /> Saving…
              </span>
            ) : saving.status === 'failed' ? (
              <span class="save-failed">Not saved: {saving.message}</span>
            ) : dirty.value ? (
              <span class="unsaved">
                <span class="dot" aria-hidden="true" /> Unsaved changes
              </span>
            ) : (
              <span class="muted">{saving.status === 'saved' ? 'All changes saved' : 'Saved'}</span>
            )}
          </p>
        </div>
        <div class="editor-actions">
          <button
            type="button"
            class="button ghost icon-text"
            onClick={undoEdit}
            disabled={!undoable.value}
            aria-keyshortcuts="Control+Z"
            title="Undo (Ctrl+Z)"
            data-testid="undo"
          >
            <span aria-hidden="true">↶</span> Undo
          </button>
          <button
            type="button"
            class="button ghost icon-text"
            onClick={redoEdit}
            disabled={!redoable.value}
            aria-keyshortcuts="Control+Shift+Z"
            title="Redo (Ctrl+Shift+Z)"
            data-testid="redo"
          >
            <span aria-hidden="true">↷</span> Redo
          </button>
          <button
            type="button"
            class="button primary"
            onClick={() => void save()}
            disabled={!dirty.value || saving.status === 'saving' || state.status !== 'ready'}
            aria-keyshortcuts="Control+S"
            data-testid="save"
          >
            {saving.status === 'saving' ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            class="button dark"
            onClick={() => setExporting(true)}
            disabled={state.status !== 'ready'}
            data-testid="open-export"
          >
            Export…
          </button>
        </div>
      </div>

      {state.status === 'failed' ? (
        <div class="panel center" role="alert">
          <h2>Can't load your avatar</h2>
          <p class="muted">{state.message}</p>
          <button type="button" class="button primary" onClick={() => void loadConfig()}>
            Try again
          </button>
        </div>
      ) : (
        <div class="editor-layout">
          <EditorViewport />
          <div class="editor-panel">
            <div class="tabs editor-tabs" role="tablist" aria-label="Edit" onKeyDown={onTabKey}>
              {TABS.map((t) => (
                <button
                  key={t.id}
                  ref={(el) => {
                    tabRefs.current[t.id] = el;
                  }}
                  type="button"
                  role="tab"
                  id={`editor-tab-${t.id}`}
                  aria-selected={tab === t.id}
                  aria-controls={`editor-panel-${t.id}`}
                  tabIndex={tab === t.id ? 0 : -1}
                  class={tab === t.id ? 'active' : ''}
                  onClick={() => setTab(t.id)}
                  data-testid={`tab-${t.id}`}
                >
                  {t.label}
                </button>
              ))}
            </div>
            <div
              class="editor-panel-body"
              role="tabpanel"
              id={`editor-panel-${tab}`}
              aria-labelledby={`editor-tab-${tab}`}
            >
              {state.status === 'loading' ? (
                <p class="muted small panel-empty">Loading…</p>
              ) : tab === 'parts' ? (
                <PartsBrowser onResults={preloadFrom} />
              ) : tab === 'colors' ? (
                <ColorsPanel />
              ) : (
                <ShapePanel />
              )}
            </div>
          </div>
        </div>
      )}
      {exporting && <ExportDialog userId={user.id} onClose={() => setExporting(false)} />}
    </section>
  );
}
