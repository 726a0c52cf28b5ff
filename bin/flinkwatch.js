#!/usr/bin/env node
// The compiled CLI; `npm install` builds it (prepare), `npm start` rebuilds it.
// The heap policy is applied before the service loads (see src/core/heap-policy.ts and the README).
import { applyHeapPolicy } from '../dist/src/core/heap-policy.js'

applyHeapPolicy()
await import('../dist/src/cli.js')
