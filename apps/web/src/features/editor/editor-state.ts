import type { AvatarConfig, AvatarSlot, SaveAvatarConfigInput } from '@avatar/contracts';

/** What the player edits: the saved config's editable fields (what `PUT /character/config` takes). */
export interface Draft {
  modelAssetId: string | null;
  modelUrl: string | null;
  parts: {
    hair?: string | null;
    top?: string | null;
    bottom?: string | null;
    shoes?: string | null;
    accessories?: string[];
  };
  colors: Record<string, string>;
  morphs: Record<string, number>;
}

/** The draft with its undo and redo stacks and the last saved draft. Pure data: every change is a new value. */
export interface History {
  past: Draft[];
  present: Draft;
  future: Draft[];
  saved: Draft;
  /** The kind of the last change and when it happened: a slider drag is one step, not a hundred. */
  lastKey: string | null;
  lastAt: number;
}

/** Changes of the same kind this close together are one undo step. */
export const COALESCE_MS = 800;
export const MAX_HISTORY = 100;

export function draftOf(config: AvatarConfig | null): Draft {
  return {
    modelAssetId: config?.modelAssetId ?? null,
    modelUrl: config?.modelUrl ?? null,
    parts: { ...(config?.parts ?? {}) },
    colors: { ...(config?.colors ?? {}) },
    morphs: { ...(config?.morphs ?? {}) },
  };
}

export function historyOf(draft: Draft): History {
  return { past: [], present: draft, future: [], saved: draft, lastKey: null, lastAt: 0 };
}

/**
 * Applies a change. A change with the same `key` as the previous one within `COALESCE_MS` replaces
 * it in place (one undo step for a whole drag); a change that changes nothing is dropped.
 */
export function change(history: History, next: Draft, key: string | null = null, now = Date.now()): History {
  if (sameDraft(next, history.present)) return history;
  const coalesce = key !== null && key === history.lastKey && now - history.lastAt < COALESCE_MS;
  return {
    ...history,
    past: coalesce ? history.past : [...history.past, history.present].slice(-MAX_HISTORY),
    present: next,
    future: [],
    lastKey: key,
    lastAt: now,
  };
}

export function undo(history: History): History {
  const previous = history.past.at(-1);
  if (!previous) return history;
  return {
    ...history,
    past: history.past.slice(0, -1),
    present: previous,
    future: [history.present, ...history.future],
    lastKey: null,
  };
}

export function redo(history: History): History {
  const next = history.future[0];
  if (!next) return history;
  return {
    ...history,
    past: [...history.past, history.present],
    present: next,
    future: history.future.slice(1),
    lastKey: null,
  };
}

/** After a save: what was saved is the new clean state; the stacks stay, so a save can be undone too. */
export function markSaved(history: History, saved: Draft): History {
  return { ...history, saved, lastKey: null };
}

export const canUndo = (history: History) => history.past.length > 0;
export const canRedo = (history: History) => history.future.length > 0;
export const isDirty = (history: History) => !sameDraft(history.present, history.saved);

export function withPart(draft: Draft, slot: AvatarSlot | 'base', id: string | null): Draft {
  if (slot === 'base') return { ...draft, modelAssetId: id };
  if (slot === 'accessories') {
    const current = draft.parts.accessories ?? [];
    if (id === null) return { ...draft, parts: { ...draft.parts, accessories: [] } };
    // Accessories stack: picking one toggles it.
    const accessories = current.includes(id) ? current.filter((a) => a !== id) : [...current, id];
    return { ...draft, parts: { ...draft.parts, accessories } };
  }
  return { ...draft, parts: { ...draft.parts, [slot]: id } };
}

export function withColor(draft: Draft, material: string, hex: string | null): Draft {
  const colors = { ...draft.colors };
  if (hex === null) delete colors[material];
  else colors[material] = hex.toLowerCase();
  return { ...draft, colors };
}

export function withMorph(draft: Draft, target: string, weight: number): Draft {
  return { ...draft, morphs: { ...draft.morphs, [target]: Math.min(1, Math.max(0, weight)) } };
}

/** The body of `PUT /character/config`: empty slots left out. */
export function saveInput(draft: Draft): SaveAvatarConfigInput {
  const parts: SaveAvatarConfigInput['parts'] = {};
  for (const slot of ['hair', 'top', 'bottom', 'shoes'] as const) {
    const id = draft.parts[slot];
    if (id) parts[slot] = id;
  }
  if (draft.parts.accessories?.length) parts.accessories = [...draft.parts.accessories];
  return {
    modelAssetId: draft.modelAssetId,
    modelUrl: draft.modelUrl,
    parts,
    colors: { ...draft.colors },
    morphs: { ...draft.morphs },
  };
}

/** Equal as saved: empty slots and key order do not count. */
export function sameDraft(a: Draft, b: Draft): boolean {
  return JSON.stringify(canonical(saveInput(a))) === JSON.stringify(canonical(saveInput(b)));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
