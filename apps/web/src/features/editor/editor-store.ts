import type { AvatarConfig } from '@avatar/contracts';
import { computed, signal } from '@preact/signals';
import { humanMessage } from '../../api/errors.ts';
import { api } from '../../api/trpc.ts';
import { prefetchAvatar } from './avatar-spec.ts';
import {
  canRedo,
  canUndo,
  change,
  type Draft,
  draftOf,
  type History,
  historyOf,
  isDirty,
  markSaved,
  redo,
  saveInput,
  undo,
} from './editor-state.ts';
import { LOAD_MARKS, markOnce } from './load-marks.ts';

export type LoadState = { status: 'loading' } | { status: 'ready' } | { status: 'failed'; message: string };
export type SaveState =
  | { status: 'idle' }
  | { status: 'saving' }
  | { status: 'saved'; at: number }
  | { status: 'failed'; message: string };

/** The player's avatar as edited on this page: one instance, the page is the only editor. */
export const history = signal<History>(historyOf(draftOf(null)));
export const loadState = signal<LoadState>({ status: 'loading' });
export const saveState = signal<SaveState>({ status: 'idle' });
/** Configured asset id -> the asset drawn (a deprecated one's replacement), as the server resolved it. */
export const resolvedIds = signal<ReadonlyMap<string, string>>(new Map());

export const draft = computed(() => history.value.present);
export const dirty = computed(() => isDirty(history.value));
export const undoable = computed(() => canUndo(history.value));
export const redoable = computed(() => canRedo(history.value));

function remember(config: AvatarConfig): void {
  const ids = new Map<string, string>();
  const pairs: Array<[string | null | undefined, string | null | undefined]> = [
    [config.modelAssetId, config.resolved.model.assetId],
    [config.parts.hair, config.resolved.parts.hair?.assetId],
    [config.parts.top, config.resolved.parts.top?.assetId],
    [config.parts.bottom, config.resolved.parts.bottom?.assetId],
    [config.parts.shoes, config.resolved.parts.shoes?.assetId],
  ];
  for (const [configured, drawn] of pairs)
    if (configured && drawn && configured !== drawn) ids.set(configured, drawn);
  resolvedIds.value = ids;
}

/** The config asked for before the editor was on screen (`preloadConfig`), taken by the next `loadConfig`. */
let early: Promise<AvatarConfig> | null = null;

/**
 * Asks for the saved config now, while the page is still starting (the session is being checked in the
 * same round trip), so the avatar's files and the 3D code can load sooner. Only for a page that looks
 * signed in: a refusal is dropped, and the editor asks again when it opens.
 */
export function preloadConfig(): void {
  early = api.avatars.config.query();
  early.catch(() => {});
}

async function fetchConfig(): Promise<AvatarConfig> {
  const pending = early;
  early = null;
  if (pending) {
    try {
      return await pending;
    } catch {
      // Asked before sign-in, or failed: ask again, now that the editor is open.
    }
  }
  return api.avatars.config.query();
}

export async function loadConfig(): Promise<void> {
  loadState.value = { status: 'loading' };
  try {
    const config = await fetchConfig();
    markOnce(LOAD_MARKS.config);
    remember(config);
    history.value = historyOf(draftOf(config));
    // Now, not when the 3D view asks: the avatar's files download while the engine's code loads and starts.
    void prefetchAvatar(history.value.present, resolvedIds.value);
    saveState.value = { status: 'idle' };
    loadState.value = { status: 'ready' };
  } catch (error) {
    loadState.value = { status: 'failed', message: humanMessage(error) };
  }
}

/** Applies an edit; edits with the same `key` in quick succession are one undo step. */
export function edit(next: Draft, key: string | null = null): void {
  history.value = change(history.value, next, key);
  if (saveState.value.status !== 'saving') saveState.value = { status: 'idle' };
}

export function undoEdit(): void {
  history.value = undo(history.value);
}

export function redoEdit(): void {
  history.value = redo(history.value);
}

export async function save(): Promise<boolean> {
  if (saveState.value.status === 'saving') return false;
  const sent = history.value.present;
  saveState.value = { status: 'saving' };
  try {
    const config = await api.avatars.saveConfig.mutate(saveInput(sent));
    remember(config);
    history.value = markSaved(history.value, sent);
    saveState.value = { status: 'saved', at: Date.now() };
    return true;
  } catch (error) {
    saveState.value = { status: 'failed', message: humanMessage(error) };
    return false;
  }
}
