/**
 * Scene colors as plain hex, with no Babylon import, so the UI and the browser test can share them.
 * The avatar is warm and saturated, the backdrop cool and dark: the model reads at a glance and a test
 * can tell its pixels from the background's by hue alone.
 */
export const palette = {
  background: '#202738',
  ground: '#2c3448',
  body: '#ff6b4a',
  head: '#ffb48f',
  eyes: '#1d2230',
} as const;
