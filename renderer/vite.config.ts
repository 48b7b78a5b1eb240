import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// No Node imports here: the renderer's lint rules apply to this file too.
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

/**
 * Two pages, `index.html` (dashboard) and `consent.html` (consent window), with relative asset
 * paths so the same build works from `/ui/`, from a file and from the desktop app's protocol.
 * Nothing is inlined: the pages run under a CSP without 'unsafe-inline' and without data: fonts.
 */
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${root}../dist-renderer`,
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    rolldownOptions: {
      input: { index: `${root}index.html`, consent: `${root}consent.html` },
    },
  },
});
