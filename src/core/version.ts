import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** flinkwatch's version, from the nearest package.json (works from src/ and dist/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json')
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version
    dir = dirname(dir)
  }
  return '0.0.0'
}
