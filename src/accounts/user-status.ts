/** What `status` prints and the status page shows: users, their sources, mappings and last runs. */
import { localDateMinus, localWindow } from '../core/local-window.ts'
import { SOURCES } from '../core/source-types.ts'
import type { Deps } from '../deps.ts'
import { attributeRows, mappingRows } from '../store/attribute-store.ts'
import { purgeLedger } from '../store/ledger-store.ts'
import { lastRuns, type RunView } from '../store/run-store.ts'
import { allUsers, getUser, type User, userConnections } from '../store/user-store.ts'
import { currentHolds, disconnectsAt } from './source-pause.ts'

export interface UserStatus {
  user: number
  exist_username: string
  timezone: string
  syncing: boolean
  stopped_reason: string | null
  /**
   * `paused`: the source refused its token; nothing is read from it and the attributes it feeds
   * are held until the same account is connected again, or until `disconnects_at`.
   */
  sources: {
    source: string
    connected: boolean
    reason: string | null
    paused: boolean
    paused_since: string | null
    disconnects_at: string | null
  }[]
  /** Attributes not written now: a source feeding them is paused or a workspace refused access. */
  held: { attribute: string; because: string[] }[]
  mappings: { project: string; attribute: string }[]
  attributes: { attribute: string; label: string; status: string; error: string | null }[]
  runs: RunView[]
}

export async function userStatus(deps: Deps, user: User, runLimit = 5): Promise<UserStatus> {
  const { db } = deps
  const conns = await userConnections(db, user.id)
  return {
    user: user.id,
    exist_username: user.existUsername,
    timezone: user.timezone,
    syncing: user.syncing,
    stopped_reason: user.stoppedReason,
    sources: SOURCES.map((source) => {
      const conn = conns.find((c) => c.source === source)
      const pausedAt = !conn?.connected ? (conn?.pausedAt ?? null) : null
      return {
        source,
        connected: Boolean(conn?.connected),
        reason: conn?.reason ?? null,
        paused: pausedAt !== null,
        paused_since: pausedAt?.toISOString() ?? null,
        disconnects_at: pausedAt ? disconnectsAt(pausedAt).toISOString() : null,
      }
    }),
    held: (await currentHolds(db, user.id)).map((h) => ({
      attribute: h.attribute,
      because: h.because,
    })),
    mappings: (await mappingRows(db, user.id))
      .map((m) => ({ project: m.project, attribute: m.attribute }))
      .sort((a, b) => a.project.localeCompare(b.project)),
    attributes: (await attributeRows(db, user.id)).map((a) => ({
      attribute: a.attribute,
      label: a.label,
      status: a.status,
      error: a.error,
    })),
    runs: await lastRuns(db, user.id, runLimit),
  }
}

export async function statusOf(deps: Deps, userId?: number): Promise<{ users: UserStatus[] }> {
  const list = userId === undefined ? await allUsers(deps.db) : [await getUser(deps.db, userId)]
  const out: UserStatus[] = []
  for (const user of list) out.push(await userStatus(deps, user))
  return { users: out }
}

/** Ledger retention for every user, each by their own local today. */
export async function purgeAll(
  deps: Deps,
): Promise<{ users: number; before: Record<number, string> }> {
  const list = await allUsers(deps.db)
  const before: Record<number, string> = {}
  for (const u of list) {
    const today = localWindow(deps.now(), u.timezone, 1).today
    before[u.id] = localDateMinus(today, deps.config.retentionDays)
    await purgeLedger(deps.db, before[u.id]!, u.id)
  }
  return { users: list.length, before }
}
