/**
 * `performance.mark`s for the steps between navigation and the avatar's first frame, each set once per
 * page: the benchmark (bench/web.bench.ts) reports them as a timeline, and a Chromium trace shows them.
 * `avatar:first-frame` is the one the performance target is measured by.
 */
export const LOAD_MARKS = {
  config: 'editor:config',
  engineCode: 'editor:engine-code',
  engineStarted: 'editor:engine-started',
  planned: 'avatar:planned',
  modelsLoaded: 'avatar:models-loaded',
  firstFrame: 'avatar:first-frame',
} as const;

export type LoadMark = (typeof LOAD_MARKS)[keyof typeof LOAD_MARKS];

export function markOnce(name: LoadMark): void {
  if (typeof performance === 'undefined' || performance.getEntriesByName(name, 'mark').length > 0) return;
  performance.mark(name);
}
