import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'

// The console is served by flinkwatch itself from dist/ui (see CONSOLE-CONTRACT / src/http): one origin,
// so the API and the WebSocket need no proxy and the CSP can stay at 'self'.
const here = fileURLToPath(new URL('.', import.meta.url))

/**
 * Brotli and gzip copies of the hashed assets, written once at build time and served by @fastify/static
 * (`preCompressed`) to browsers that accept them: a third of the bytes on the first visit (a phone opening an
 * alert link), and no compression work on the service's event loop.
 */
function precompress(outDir: string): Plugin {
  return {
    name: 'flinkwatch-precompress',
    apply: 'build',
    closeBundle() {
      const assets = join(outDir, 'assets')
      for (const f of readdirSync(assets).filter((n) => /\.(js|css)$/.test(n))) {
        const body = readFileSync(join(assets, f))
        writeFileSync(join(assets, `${f}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }))
        writeFileSync(join(assets, `${f}.gz`), gzipSync(body, { level: 9 }))
      }
    },
  }
}

const outDir = fileURLToPath(new URL('../dist/ui', import.meta.url))

export default defineConfig({
  plugins: [precompress(outDir)],
  root: here,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir,
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
