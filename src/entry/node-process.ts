/** This Node process as a lease owner (host, pid namespace, pid, start), and whether another process on this host is gone. */
import { readFileSync, readlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import type { LeaseOwner, ProcessProbe } from '../shared/process-probe.ts'

/** Linux: the pid namespace (`pid:[4026531836]`); pids of other namespaces (containers) can't be checked. */
function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid')
  } catch {
    return undefined
  }
}

/** Linux /proc/<pid>/stat: state and start time in clock ticks since boot (fields 3 and 22). */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { state: fields[0]!, start: `ticks:${fields[19]}` }
  } catch {
    return undefined
  }
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

export function nodeProcessProbe(): ProcessProbe {
  const ns = pidNamespace()
  // Without /proc (macOS), the start time can't be read for other processes: pid alone decides.
  const start = procStat(process.pid)?.start ?? `ms:${Math.round(performance.timeOrigin)}`
  const self = { host: hostname(), ns, pid: process.pid, start }
  return {
    self,
    isGone(owner: LeaseOwner) {
      if (owner.pid === undefined || owner.host !== self.host || owner.ns !== self.ns) return false
      // This pid but another start: an earlier process that had our pid (a restarted container).
      if (owner.pid === self.pid) return owner.start !== self.start
      if (!exists(owner.pid)) return true
      const stat = procStat(owner.pid)
      if (!stat) return false
      // Killed but not yet reaped by its parent, or the pid now belongs to a newer process.
      return (
        stat.state === 'Z' ||
        (owner.start?.startsWith('ticks:') === true && stat.start !== owner.start)
      )
    },
  }
}
