import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  // Absolute, so `vite build --config apps/web/vite.config.ts` from the workspace root works too.
  root: here('.'),
  base: '/',
  // Vite 8 transforms with oxc; Preact's automatic runtime needs no Babel preset.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // Each asset also written brotli- and gzip-compressed beside itself, once at build time: the server
  // sends whichever the browser accepts (express-static-gzip) instead of the raw files (the editor's
  // JavaScript is 2.2 MB raw, under 600 kB gzipped), and never compresses per request.
  plugins: [
    compression({
      algorithms: ['brotliCompress', 'gzip'],
      include: /\.(js|css|svg|json|wasm)$/,
      threshold: 1024,
    }),
  ],
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
      // Most of the build is the compression above, by design: no warning that plugins take the time.
      checks: { bundlerTimings: false },
    },
  },
});
