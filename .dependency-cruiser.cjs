/**
 * The one-way flow of flinkwatch's layers, checked by `npm test` (`npm run lint:deps`):
 *
 *   model ← core ← config ← storage ← features ← app
 *
 * model: src/model (normalized types). core: src/core (clock, errors, retry, http, duration). config: src/config.
 * storage: src/storage. features: the domain (src/fleet, src/logs, src/lifecycle, src/recommend, src/metrics,
 * src/stream, alerting/, collectors/, dashboards/, platforms/). app: src/app.ts (the composition root), src/cli.ts,
 * src/serve-checks.ts and src/http/ (routes are built over the features' services). A layer imports only the
 * layers to its left. Type-only imports count: a type is a dependency too.
 */
const MODEL = '^src/model/'
const CORE = '^src/core/'
const CONFIG = '^src/config/'
const STORAGE = '^src/storage/'
const FEATURES = '^(src/(fleet|logs|lifecycle|recommend|metrics|stream|causes|ha)/|alerting/|collectors/|dashboards/|platforms/)'
const APP = '^(src/(app|cli|serve-checks)\\.ts$|src/http/)'
/**
 * The features a data source feeds (it declares what it needs, it does not import them). Not src/lifecycle:
 * platforms implement the lifecycle action interfaces it declares (src/lifecycle/actions.ts).
 */
const FED = '^(src/(fleet|logs|recommend)/|alerting/)'
/** Where AppContext and FeatureModule go when they leave src/app.ts (issue 14). */
const FEATURE_CONTEXT = '^src/core/feature\\.ts$'


const forbidden = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to })

module.exports = {
  forbidden: [
    forbidden('model-is-the-bottom', 'src/model holds plain types: it imports no other layer.', { path: MODEL }, { path: [CORE, CONFIG, STORAGE, FEATURES, APP] }),
    forbidden('core-below-config', 'src/core is below config, storage, the features and the app.', { path: CORE, pathNot: FEATURE_CONTEXT }, { path: [CONFIG, STORAGE, FEATURES, APP] }),
    // The context every feature module is built from (AppContext: config, store, clock, ...) lives in core so
    // nothing imports src/app.ts; it names config and storage types, and only types.
    forbidden('feature-context-types-only', 'src/core/feature.ts may name config and storage types, nothing else.', { path: FEATURE_CONTEXT }, { path: [CONFIG, STORAGE], dependencyTypesNot: ['type-only'] }),
    forbidden('feature-context-below-features', 'src/core/feature.ts is below the features and the app.', { path: FEATURE_CONTEXT }, { path: [FEATURES, APP] }),
    forbidden('config-below-storage', 'src/config is below storage, the features and the app.', { path: CONFIG }, { path: [STORAGE, FEATURES, APP] }),
    forbidden('storage-below-features', 'src/storage is below the features and the app.', { path: STORAGE }, { path: [FEATURES, APP] }),
    forbidden(
      'features-below-app',
      'Domain code never imports src/http/ or the composition root; shared types belong in src/core/.',
      { path: FEATURES },
      { path: APP },
    ),
    forbidden(
      'nothing-imports-app',
      'src/app.ts wires everything; only the CLI (and tests) import it.',
      { pathNot: ['^src/cli\\.ts$', '^test/'] },
      { path: '^src/app\\.ts$' },
    ),
    forbidden(
      'sources-below-features',
      'Collectors and platforms feed the features through interfaces they declare; they do not import them.',
      { path: '^(collectors|platforms)/' },
      { path: FED },
    ),
    // Before platforms/ exists, the same rule for today's homes of the platforms' clients and DTOs.
    forbidden(
      'features-not-into-platform-collectors',
      'Vendor DTOs and clients stay with their platform: other features import a collector only through its interface.',
      { path: '^(src/|alerting/)' },
      { path: '^collectors/(flink|yarn|kubernetes)/' },
    ),
    // Once platforms/ exists: a platform's client, DTOs and decoding are reached from outside only through its
    // plugin (platforms/<p>/plugin.ts) or its index (platforms/<p>/index.ts); platforms/registry.ts and
    // platforms/platform.ts are the shared surface. Tests may reach in.
    forbidden(
      'platform-internals',
      'Import a platform through platforms/<p>/plugin.ts or index.ts (or platforms/registry.ts), not its internals.',
      { pathNot: ['^platforms/', '^test/'] },
      { path: '^platforms/[^/]+/', pathNot: '^platforms/[^/]+/(plugin|index)\\.ts$' },
    ),
    forbidden(
      'platform-to-platform',
      "A platform uses another only through that one's plugin or index (YARN reads proxied JobManagers with Flink's).",
      { path: '^platforms/([^/]+)/' },
      { path: '^platforms/[^/]+/', pathNot: ['^platforms/$1/', '^platforms/[^/]+/(plugin|index)\\.ts$'] },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test/fixtures)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
}
