import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The console is served by flinkwatch itself from dist/ui (see CONSOLE-CONTRACT / src/http): one origin,
// so the API and the WebSocket need no proxy and the CSP can stay at 'self'.
const here = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline <style> or data: module preload polyfill: the CSP allows 'self' scripts and styles only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: { port: 18081, proxy: { '/api': { target: 'http://127.0.0.1:18080', ws: true } } },
})
