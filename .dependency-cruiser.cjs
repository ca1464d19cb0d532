/**
 * The code map's import rules (README, "Code map"), checked by `npm run lint` inside `npm test`.
 * Rooms from the bottom up; each may import only the rooms below it:
 *   core, shared  ←  clients  ←  store  ←  deps.ts  ←  accounts  ←  sync  ←  web, cli  ←  entry
 * views/ is beside them: JSX that receives data and imports only views/ (the web room imports it).
 * A wrong-way import fails with the name of the rule it breaks; the comment says why the rule exists.
 */
const ROOMS_ABOVE = {
  core: '(shared|clients|store|accounts|sync|web|cli|entry)/|deps\\.ts$',
  shared: '(core|clients|store|accounts|sync|web|cli|entry)/|deps\\.ts$',
  clients: '(store|accounts|sync|web|cli|entry)/|deps\\.ts$',
  store: '(clients|accounts|sync|web|cli|entry)/|deps\\.ts$',
  accounts: '(sync|web|cli|entry)/',
  sync: '(web|cli|entry)/',
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-other-room',
      comment:
        'src/core is pure (local window, bucketing, planner, the source and write types): it imports ' +
        'nothing else of the app, so it can be tested and reasoned about on its own.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: [`^src/(${ROOMS_ABOVE.core})`, '^views/'] },
    },
    {
      name: 'core-uses-no-runtime-or-io',
      comment:
        'src/core is pure: no Node built-ins, no database, no HTTP, no web framework. Only luxon ' +
        '(time zones) and zod come from outside.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: {
        dependencyTypesNot: ['local'],
        pathNot: '^node_modules/(luxon|@types/luxon|zod)/',
      },
    },
    {
      name: 'shared-imports-only-shared',
      comment:
        'src/shared (env schema, SecretBox, logger) is used by every room, so it depends on none of ' +
        'them (and on no runtime: Web Crypto only).',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: [`^src/(${ROOMS_ABOVE.shared})`, '^views/'] },
    },
    {
      name: 'clients-never-touch-the-database',
      comment:
        'src/clients (Toggl, Clockify, Exist, the shared HTTP client) speak HTTP + zod only: they take ' +
        'an already-decrypted credential and never read or write the database.',
      severity: 'error',
      from: { path: '^src/clients/' },
      to: { path: [`^src/(${ROOMS_ABOVE.clients})`, '^views/'] },
    },
    {
      name: 'store-imports-only-core-and-shared',
      comment:
        'src/store holds every query; it knows tables and rows, not APIs or use-cases (what to do ' +
        'with the rows is decided above it).',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: [`^src/(${ROOMS_ABOVE.store})`, '^views/'] },
    },
    {
      name: 'only-store-runs-queries',
      comment:
        'Every query is a named function in src/store: nothing else imports drizzle or the schema ' +
        'tables. (src/entry opens the database with a drizzle driver and the schema, nothing more.)',
      severity: 'error',
      from: { pathNot: '^src/(store|entry)/' },
      to: { path: ['^node_modules/drizzle-orm/', '^src/store/schema\\.ts$'] },
    },
    {
      name: 'deps-type-sits-below-use-cases',
      comment:
        'src/deps.ts is the Deps type (database, config, clock, HTTP, secrets, logger): it names the ' +
        'lower rooms only, and only accounts and the rooms above take it.',
      severity: 'error',
      from: { path: '^src/deps\\.ts$' },
      to: { path: ['^src/(accounts|sync|web|cli|entry)/', '^views/'] },
    },
    {
      name: 'accounts-below-sync',
      comment:
        'src/accounts holds the use-cases people trigger (connect, map, disconnect, status). The sync ' +
        'uses them (a revoked source is disconnected mid-run), never the other way round.',
      severity: 'error',
      from: { path: '^src/accounts/' },
      to: { path: [`^src/(${ROOMS_ABOVE.accounts})`, '^views/'] },
    },
    {
      name: 'sync-below-web-and-cli',
      comment:
        'src/sync (one run, all users, queue jobs, Zero Out) is called by web, cli and entry.',
      severity: 'error',
      from: { path: '^src/sync/' },
      to: { path: [`^src/(${ROOMS_ABOVE.sync})`, '^views/'] },
    },
    {
      name: 'web-and-cli-call-use-cases-not-api-clients',
      comment:
        'src/web and src/cli reach Toggl, Clockify and Exist through src/accounts and src/sync. They ' +
        'may use the HTTP client module only for its error type and service labels.',
      severity: 'error',
      from: { path: '^src/(web|cli)/' },
      to: { path: '^src/clients/', pathNot: '^src/clients/api-client\\.ts$' },
    },
    {
      name: 'web-and-cli-are-siblings',
      comment:
        'src/web and src/cli are two faces of the same use-cases: neither imports the other, nor an ' +
        'entry. The CLI renders no views.',
      severity: 'error',
      from: { path: '^src/(web|cli)/' },
      to: { path: '^src/(web|cli|entry)/', pathNot: '^src/$1/' },
    },
    {
      name: 'cli-renders-no-views',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^views/' },
    },
    {
      name: 'views-import-only-views',
      comment:
        'views/ is JSX that receives data: it imports only its own files and types (and hono/jsx), ' +
        'so a page can be read without knowing where its data comes from.',
      severity: 'error',
      from: { path: '^views/' },
      to: { pathNot: ['^views/', '^node_modules/hono/'] },
    },
    {
      name: 'runtime-only-in-entry',
      comment:
        'Only src/entry touches a runtime (better-sqlite3, @hono/node-server, the Worker types and ' +
        'bindings), so the same app and sync run on Node and on Workers.',
      severity: 'error',
      from: { pathNot: '^src/entry/' },
      to: {
        path: '^node_modules/(better-sqlite3|@types/better-sqlite3|@hono/node-server|@cloudflare/|wrangler)/',
      },
    },
    {
      name: 'node-builtins-only-in-entry-and-cli',
      comment:
        'Node built-ins (fs, path, util…) are for the Node entry and the CLI; the rest also runs ' +
        'on Workers, which has no Node APIs.',
      severity: 'error',
      from: { pathNot: '^src/(entry|cli)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-test-code-in-the-app',
      severity: 'error',
      from: { path: '^(src|views)/' },
      to: { path: '^tests/' },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders depend on each other in one direction only.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.js', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
  },
}
