import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  // Absolute, so `vite build --config apps/web/vite.config.ts` from the workspace root works too.
  root: here('.'),
  base: '/',
  // Vite 8 transforms with oxc; Preact's automatic runtime needs no Babel preset.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The Babylon chunk (about 950 kB, 225 kB gzipped) is loaded on demand after login, never with the
    // entry; warn only if it grows well past that.
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      // Two pages: the app, and the page the server's render pool drives (same scene code, no UI).
      input: { main: here('index.html'), render: here('render.html') },
    },
  },
});
