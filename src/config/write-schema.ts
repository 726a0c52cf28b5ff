import { writeFileSync } from 'node:fs'
import { FlinkwatchConfig } from './schema.js'

/** Writes the JSON schema editors use for completion (yaml-language-server). */
export function configJsonSchema(): string {
  const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(FlinkwatchConfig)) }
  return `${JSON.stringify(schema, null, 2)}\n`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'config/flinkwatch.schema.json'
  writeFileSync(out, configJsonSchema())
  console.log(`wrote ${out}`)
}
