#!/usr/bin/env node
// The compiled CLI; `npm install` builds it (prepare), `npm start` rebuilds it.
import '../dist/src/cli.js'
