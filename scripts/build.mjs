/**
 * `npm run build`: bundles the Node entry (CLI and server) into plain JavaScript in dist/, so
 * production runs no transpiler. `node scripts/build.mjs bench` bundles the benchmark into
 * dist/bench/ the same way, so it measures the code `npm start` runs.
 */
import { readdirSync, rmSync } from 'node:fs'
import { build } from 'esbuild'

const bench = process.argv[2] === 'bench'
const outdir = bench ? 'dist/bench' : 'dist'
// Start clean (old chunks would pile up), but the two builds leave each other's output alone.
for (const name of safeList(outdir))
  if (bench || name !== 'bench') rmSync(`${outdir}/${name}`, { recursive: true, force: true })

await build({
  entryPoints: bench
    ? { bench: 'scripts/bench/bench.ts', 'bench-fakes': 'scripts/bench/bench-fakes.ts' }
    : { cli: 'src/entry/cli.ts' },
  outdir,
  bundle: true,
  // The server (web app, views, HTTP) is a chunk loaded only by `serve`: other commands start faster.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies are bundled too: resolving hundreds of package files at start cost ~80 ms.
  // better-sqlite3 loads a native addon next to its own files, so it stays in node_modules.
  external: ['better-sqlite3'],
  // Bundled CommonJS packages call require() for Node built-ins; ESM output has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
})

function safeList(dir) {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}
