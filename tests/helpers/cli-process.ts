/** The CLI as a real child process (node with tsx's loader, no wrapper), so signals reach the process doing the work. */
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'

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
