/** `npm run bench:start`: wall time of `npm run --silent cli -- status --json` on an empty database and of `npm start` until it answers. */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } },
})
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive whole number')
const root = new URL('..', import.meta.url).pathname
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function freshEnv(dir) {
  return {
    ...process.env,
    DATABASE_PATH: join(dir, 'tb.db'),
    SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789abcdef',
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** A brand-new database each time: the first start also applies every migration. */
function cliStatus() {
  const dir = mkdtempSync(join(tmpdir(), 'tb-start-'))
  try {
    const t0 = performance.now()
    const run = spawnSync(npm, ['run', '--silent', 'cli', '--', 'status', '--json'], {
      cwd: root,
      env: freshEnv(dir),
      encoding: 'utf8',
    })
    const ms = performance.now() - t0
    if (run.status !== 0 || JSON.parse(run.stdout).users?.length !== 0)
      throw new Error(`status failed: ${run.stderr}`)
    return ms
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** From spawning `npm start` until GET /healthz answers 200. */
async function serverReady() {
  const dir = mkdtempSync(join(tmpdir(), 'tb-start-'))
  const port = await freePort()
  const t0 = performance.now()
  const child = spawn(npm, ['start'], {
    cwd: root,
    env: { ...freshEnv(dir), PORT: String(port) },
    stdio: 'ignore',
    detached: true,
  })
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`)
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`)
        if (res.status === 200) return performance.now() - t0
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5))
      if (performance.now() - t0 > 30_000) throw new Error('the server was not ready within 30 s')
    }
  } finally {
    process.kill(-child.pid, 'SIGTERM')
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)))
    rmSync(dir, { recursive: true, force: true })
  }
}

const status = []
const ready = []
for (let i = 0; i < runs; i++) status.push(cliStatus())
for (let i = 0; i < runs; i++) ready.push(await serverReady())
const result = {
  runs,
  cli_status_ms: { median: Math.round(median(status)), max: Math.round(Math.max(...status)) },
  server_ready_ms: { median: Math.round(median(ready)), max: Math.round(Math.max(...ready)) },
}
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`)
else {
  process.stdout.write(
    `npm run --silent cli -- status --json (empty database): median ${result.cli_status_ms.median} ms, max ${result.cli_status_ms.max} ms over ${runs} runs (target 400 ms)\n`,
  )
  process.stdout.write(
    `npm start until /healthz answers: median ${result.server_ready_ms.median} ms, max ${result.server_ready_ms.max} ms over ${runs} runs (target 1000 ms)\n`,
  )
}
