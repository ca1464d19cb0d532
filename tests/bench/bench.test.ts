/** `npm run bench` end to end with a handful of users: one JSON object on stdout in the documented shape, exit 0 when Exist matches the truth, non-zero when it doesn't. */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '../..')
const BENCH = join(ROOT, 'dist/bench/bench.js')

const Pass = z.strictObject({
  name: z.enum(['first', 'steady', 'changed']),
  wall_s: z.number().positive(),
  users_per_s: z.number().positive(),
  cpu_ms_per_user: z.number().positive(),
  peak_rss_mb: z.number().positive(),
  requests_per_user: z.strictObject({ toggl: z.number(), exist: z.number() }),
  sqlite_share: z.number().min(0).max(1),
})
const Result = z.strictObject({
  users: z.number(),
  latency_ms: z.number(),
  concurrency: z.number(),
  passes: z.tuple([Pass, Pass, Pass]),
})

async function bench(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BENCH, ...args], { cwd: ROOT })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('npm run bench', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), 'bench'], { cwd: ROOT })
  })

  it('prints exactly one JSON object with three passes and exits 0 when every value is right', async () => {
    const { code, stdout, stderr } = await bench([
      '--users',
      '12',
      '--latency-ms',
      '5',
      '--concurrency',
      '4',
      '--json',
    ])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const result = Result.parse(JSON.parse(stdout))
    expect(stdout.trim().split('\n')).toHaveLength(1)
    expect(result).toMatchObject({ users: 12, latency_ms: 5, concurrency: 4 })
    const [first, steady, changed] = result.passes
    expect([first.name, steady.name, changed.name]).toEqual(['first', 'steady', 'changed'])
    // The cost floor: an unchanged user costs one Toggl request and no Exist request.
    expect(steady.requests_per_user).toEqual({ toggl: 1, exist: 0 })
    expect(first.requests_per_user.toggl).toBe(1)
    expect(first.requests_per_user.exist).toBeGreaterThan(0)
    // Users 0 and 10 changed (every tenth): some writes, far fewer than the first sync's.
    expect(changed.requests_per_user.exist).toBeGreaterThan(0)
    expect(changed.requests_per_user.exist).toBeLessThan(first.requests_per_user.exist)
  })

  it('exits non-zero and names the difference when Exist no longer holds the truth', async () => {
    const { code, stdout, stderr } = await bench([
      '--users',
      '3',
      '--latency-ms',
      '0',
      '--json',
      '--tamper',
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(/after the steady pass 1 users differ from the truth/)
    Result.parse(JSON.parse(stdout))
  })

  it('writes an allocation profile of one pass that alloc-top reads', async () => {
    const file = join(ROOT, 'bench-steady.heapprofile')
    rmSync(file, { force: true })
    const { code, stdout } = await bench([
      '--users',
      '2',
      '--latency-ms',
      '0',
      '--profile-alloc',
      'steady',
    ])
    expect(code).toBe(0)
    expect(stdout).toMatch(/allocation profile of the steady pass: bench-steady\.heapprofile/)
    expect(existsSync(file)).toBe(true)
    const top = await run(process.execPath, [join(ROOT, 'scripts/bench/alloc-top.mjs'), file, '5'])
    expect(top.stdout).toMatch(/^total \d+ MB allocated \(sampled\)\n/)
    rmSync(file, { force: true })
  })

  it('measures the server as `npm start` runs it: the same V8 heap flags', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    const flags = (script: string) => script.match(/--max-[a-z-]+=\d+/g) ?? []
    expect(flags(scripts.start!)).toEqual(['--max-old-space-size=512', '--max-semi-space-size=16'])
    expect(flags(scripts.bench!)).toEqual(flags(scripts.start!))
    expect(flags(scripts.cli!)).toEqual(flags(scripts.start!))
  })

  it('refuses a bad flag with a one-line reason', async () => {
    const { code, stdout, stderr } = await bench(['--users', '0'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.split('\n')[0]).toBe('bench: --users must be a whole number ≥ 1 (got "0")')
  })
})
