/** Paused sources: a source that refused its token keeps its setup, the attributes it feeds are held, and it is disconnected after PAUSE_LIMIT_MS. */
import { ApiError, SERVICE_LABEL } from '../clients/api-client.ts'
import type { Source } from '../core/source-types.ts'
import type { Deps } from '../deps.ts'
import { mappingRows } from '../store/attribute-store.ts'
import { atomically, type Db } from '../store/database.ts'
import { inaccessibleProjects } from '../store/project-cache.ts'
import { pauseConnection, userConnections } from '../store/user-store.ts'
import { UnreadableCredential } from './open-secret.ts'

/**
 * How long a paused source waits for the user before it is disconnected (mappings deleted,
 * attributes released). Long enough to come back from a holiday; the status page shows the date
 * from the first day of the pause.
 */
export const PAUSE_LIMIT_MS = 30 * 86_400_000

export function pauseReason(source: Source, status: number | undefined): string {
  return `${SERVICE_LABEL[source]} refused the saved token${status ? ` (HTTP ${status})` : ''}; connect it again`
}

/**
 * Pauses `source` when `error` means only connecting again helps — the source refused the token,
 * or it was sealed under another SECRET_KEY — and returns why; undefined (nothing written) for any
 * other error. Paused, not wiped: mappings, projects and ledger stay; the token is not used again.
 */
export async function pauseIfRefused(
  deps: Deps,
  userId: number,
  source: Source,
  error: unknown,
): Promise<string | undefined> {
  const refused = error instanceof ApiError && error.kind === 'auth' && error.service === source
  const unreadable = error instanceof UnreadableCredential && error.service === source
  if (!refused && !unreadable) return undefined
  const status = refused ? error.status : undefined
  const reason = refused ? pauseReason(source, status) : error.message
  await atomically(deps.db, [pauseConnection(deps.db, userId, source, reason, deps.now())])
  deps.log.warn('source_paused', { user: userId, source, status })
  return reason
}

/** When a source paused at `pausedAt` is disconnected if the user does nothing. */
export function disconnectsAt(pausedAt: Date): Date {
  return new Date(pausedAt.getTime() + PAUSE_LIMIT_MS)
}

export function pauseExpired(pausedAt: Date | null, now: number): boolean {
  return pausedAt !== null && now >= disconnectsAt(pausedAt).getTime()
}

/** Why an attribute is not written: a feeding source is paused or a workspace refused us. */
export interface Hold {
  attribute: string
  projects: string[]
  because: string[]
}

export type HoldCause =
  | { kind: 'paused'; source: Source }
  | { kind: 'inaccessible'; source: Source; workspace: string }

export function holdText(cause: HoldCause): string {
  return cause.kind === 'paused'
    ? `${SERVICE_LABEL[cause.source]} is paused`
    : `${SERVICE_LABEL[cause.source]} workspace "${cause.workspace}" refused access`
}

/**
 * Attributes fed by any held project. An attribute fed by a held project and a healthy one is held
 * too: writing it from the healthy one alone would lower the value Exist holds.
 */
export function heldAttributes(
  maps: readonly { project: string; attribute: string }[],
  held: ReadonlyMap<string, HoldCause>,
): Hold[] {
  const byAttribute = new Map<string, Hold>()
  for (const m of maps) {
    const cause = held.get(m.project)
    if (!cause) continue
    const hold = byAttribute.get(m.attribute) ?? {
      attribute: m.attribute,
      projects: [],
      because: [],
    }
    hold.projects.push(m.project)
    const text = holdText(cause)
    if (!hold.because.includes(text)) hold.because.push(text)
    byAttribute.set(m.attribute, hold)
  }
  return [...byAttribute.values()].sort((a, b) => a.attribute.localeCompare(b.attribute))
}

/** The holds as the database says now (paused sources, inaccessible projects), outside a run. */
export async function currentHolds(db: Db, userId: number): Promise<Hold[]> {
  const maps = await mappingRows(db, userId)
  if (maps.length === 0) return []
  const conns = await userConnections(db, userId)
  const refused = await inaccessibleProjects(db, userId)
  const held = new Map<string, HoldCause>()
  for (const m of maps) {
    const source = m.project.split(':')[0] as Source
    const conn = conns.find((c) => c.source === source)
    if (conn && !conn.connected && conn.pausedAt) {
      held.set(m.project, { kind: 'paused', source })
      continue
    }
    const p = refused.find((r) => r.project === m.project)
    if (p) held.set(m.project, { kind: 'inaccessible', source, workspace: p.workspaceName })
  }
  return heldAttributes(maps, held)
}
