import { signal } from '@preact/signals';

/** What the avatar on show offers to edit, read from the loaded models. */
export interface SceneInfo {
  /** Material names a color can go on. */
  materials: string[];
  /** Each material's own color, before the player's colors: what "reset" goes back to. */
  baseColors: Record<string, string>;
  morphs: string[];
}

export interface Notice {
  id: number;
  text: string;
}

/** Shared between the viewport (which writes them) and the panels (which read them); no Babylon here. */
export const sceneInfo = signal<SceneInfo | null>(null);
export const notices = signal<Notice[]>([]);
export const modelLoading = signal(false);

let nextNotice = 1;
export function addNotice(text: string): void {
  if (notices.value.some((notice) => notice.text === text)) return;
  notices.value = [...notices.value, { id: nextNotice++, text }].slice(-4);
}

export function dismissNotice(id: number): void {
  notices.value = notices.value.filter((notice) => notice.id !== id);
}
