/** The CLI as a real child process (node with tsx's loader, no wrapper), so signals reach the process doing the work. */
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { createNodeDeps } from '../../src/entry/node-deps.ts'
import { serveFake } from '../fakes/index.ts'
import { TEST_SECRET } from './harness.ts'

export const ROOT = resolve(import.meta.dirname, '../..')
const CLI = join(ROOT, 'src/entry/cli.ts')
/** tsx's loader by path, so the process starts from any working directory. */
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href

export type CliChild = ChildProcessByStdio<Writable, Readable, Readable>

export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
): {
  child: CliChild
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>
} {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI, ...args], {
    env,
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const done = new Promise<{
    code: number | null
    signal: string | null
    stdout: string
    stderr: string
  }>((ok) => child.once('exit', (code, signal) => ok({ code, signal, stdout, stderr })))
  return { child, done }
}

/** Fakes served on loopback (Toggl, Exist, optionally Clockify), a fresh data folder, and the env the CLI reads to reach them. */
export async function serveCliEnv(
  prefix: string,
  fetches: Parameters<typeof serveFake>[0][],
  database = 'tb.db',
): Promise<{ env: NodeJS.ProcessEnv; dir: string; close(): Promise<void> }> {
  const servers = await Promise.all(fetches.map((f) => serveFake(f)))
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_PATH: join(dir, database),
    SECRET_KEY: TEST_SECRET,
    TOGGL_URL: servers[0]!.url,
    EXIST_URL: servers[1]!.url,
    ...(servers[2] && { CLOCKIFY_URL: servers[2].url }),
  }
  const close = async () => {
    await Promise.all(servers.map((s) => s.close()))
    rmSync(dir, { recursive: true, force: true })
  }
  return { env, dir, close }
}

/** Connects a Toggl person to Exist and maps their projects through the use-cases, on the CLI's database; returns the user id. */
export async function connectMappedIn(
  env: NodeJS.ProcessEnv,
  existToken: string,
  togglToken: string,
  mapping: Iterable<[string, string]>,
): Promise<number> {
  const { deps, close } = await createNodeDeps(env)
  try {
    const { user } = await connectUser(
      deps,
      { kind: 'personal', token: existToken },
      { togglToken },
    )
    for (const [project, attribute] of mapping) await mapProject(deps, user, project, attribute)
    return user
  } finally {
    close()
  }
}
