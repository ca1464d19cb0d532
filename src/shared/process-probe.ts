/** Who owns a run lease, and what a runtime can tell about the processes on its host (Node does; Workers can't). */

/** Who holds a lease. `pid`, `ns` and `start` only where there are processes (Node); `run` is per run. */
export interface LeaseOwner {
  host: string
  /** The pid namespace (Linux): pids are comparable only inside one. */
  ns?: string
  pid?: number
  /** When the process started, as the OS counts it: tells a reused pid from the owner. */
  start?: string
  run: string
}

export interface ProcessProbe {
  self: Omit<LeaseOwner, 'run'>
  /** true only when certain the owner's process no longer exists (same host, same pid namespace). */
  isGone(owner: LeaseOwner): boolean
}
