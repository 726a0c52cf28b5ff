/**
 * Benchmark dispatcher: `npm run bench -- NAME [args]` imports test/bench/NAME.ts and runs its
 * default export with the remaining arguments. Benchmarks print JSON; targets live there, not in tests.
 */
import { existsSync, readdirSync } from 'node:fs'

const [name, ...args] = process.argv.slice(2)
const dir = new URL('./', import.meta.url)
const available = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('fake-')).map((f) => f.slice(0, -3))
if (!name || !/^[a-z0-9-]+$/.test(name) || !existsSync(new URL(`${name}.ts`, dir))) {
  console.error(`usage: npm run bench -- NAME [args]  (NAME: ${available.join(', ')})`)
  process.exit(2)
}
const mod = (await import(new URL(`${name}.ts`, dir).href)) as { default?: (args: string[]) => Promise<unknown> }
if (typeof mod.default !== 'function') {
  console.error(`test/bench/${name}.ts has no default export function`)
  process.exit(2)
}
await mod.default(args)
