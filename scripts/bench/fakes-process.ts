/** Runs the benchmark fakes (bench-fakes.ts) in a process of their own and talks to them over IPC, so the process measured or loading does not also serve Toggl and Exist. */
import { type ChildProcess, fork } from 'node:child_process'
import type { FakesRequest } from './bench-fakes.ts'

export interface FakesProcess {
  child: ChildProcess
  ask<T>(req: FakesRequest): Promise<T>
  urls: { toggl: string; exist: string }
}

/** `script` is bench-fakes as it is run here (.ts under tsx, .js in dist/bench); `execArgv` for that node. */
export function startFakesProcess(opts: {
  script: string
  latencyMs: number
  execArgv: string[]
}): Promise<FakesProcess> {
  const child = fork(opts.script, ['--bench-fakes', '--latency-ms', String(opts.latencyMs)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: opts.execArgv,
  })
  const waiting = new Map<number, (v: unknown) => void>()
  let next = 0
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the fakes process exited (${code})`)))
    child.on(
      'message',
      (msg: { ready?: { toggl: string; exist: string }; id?: number; result?: unknown }) => {
        if (msg.ready) {
          resolve({
            child,
            urls: msg.ready,
            ask: <T>(req: FakesRequest) =>
              new Promise<T>((done) => {
                const id = next++
                waiting.set(id, done as (v: unknown) => void)
                child.send({ id, req })
              }),
          })
        } else if (msg.id !== undefined) {
          waiting.get(msg.id)?.(msg.result)
          waiting.delete(msg.id)
        }
      },
    )
  })
}
