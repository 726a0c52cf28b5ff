import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The directory holding flinkwatch's own package.json (works from src/ and dist/, whatever the cwd). */
export function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json')
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'flinkwatch') return dir
    dir = dirname(dir)
  }
  return undefined
}

/** flinkwatch's version, from its package.json. */
export function packageVersion(): string {
  const root = packageRoot()
  return root ? (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version : '0.0.0'
}
