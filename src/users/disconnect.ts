/** Disconnect: one source (its credential, projects and mappings; attributes it alone fed stop syncing) or the whole user. */
import { and, eq, like } from 'drizzle-orm'
import { atomically } from '../db/database.ts'
import {
  attributes,
  mappings,
  projects,
  runs,
  sourceConnections,
  userData,
  existValues,
  users,
  type Source,
} from '../db/schema.ts'
import type { Deps } from '../deps.ts'
import type { ExistClient } from '../exist/exist-client.ts'
import { existFor } from '../exist/exist-session.ts'
import { InputError } from '../sources/source-types.ts'
import { attributeRows, forgetAttributes, mappingRows, releaseAttributes } from './attribute-store.ts'
import { getUser } from './user-store.ts'

export interface DisconnectResult {
  user: number
  source?: Source
  /** Attributes handed back to Exist. */
  released: string[]
  problems: string[]
}

/**
 * Removes a source. With `reason` (automatic, after a 401/403) the connection row stays, without
 * its credential, so the user is told why on their next visit; without it the row goes too.
 */
export async function disconnectSource(
  deps: Deps,
  userId: number,
  source: Source,
  opts: { reason?: string; exist?: ExistClient } = {},
): Promise<DisconnectResult> {
  const { db } = deps
  const user = await getUser(db, userId)
  const [conn] = await db
    .select()
    .from(sourceConnections)
    .where(and(eq(sourceConnections.userId, userId), eq(sourceConnections.source, source)))
  if (!conn) throw new InputError(`User ${userId} has no ${source} connection`, 'source')

  const maps = await mappingRows(db, userId)
  const kept = new Set(maps.filter((m) => !m.project.startsWith(`${source}:`)).map((m) => m.attribute))
  const orphaned = (await attributeRows(db, userId)).map((a) => a.attribute).filter((a) => !kept.has(a))
  const where = and(eq(sourceConnections.userId, userId), eq(sourceConnections.source, source))

  await atomically(db, [
    opts.reason
      ? db
          .update(sourceConnections)
          .set({ credential: null, connected: false, reason: opts.reason, updatedAt: new Date(deps.now()) })
          .where(where)
      : db.delete(sourceConnections).where(where),
    db.delete(projects).where(and(eq(projects.userId, userId), eq(projects.source, source))),
    db.delete(mappings).where(and(eq(mappings.userId, userId), like(mappings.project, `${source}:%`))),
    ...forgetAttributes(db, userId, orphaned),
  ])
  deps.log.info('source_disconnected', { user: userId, source, automatic: Boolean(opts.reason) })

  const exist = opts.exist ?? (await existFor(deps, user))
  const problems = orphaned.length ? await releaseAttributes(exist, orphaned, deps.log) : []
  return { user: userId, source, released: orphaned, problems }
}

/** Deletes everything of the user; the attributes we acquired are released first, while the token still exists. */
export async function disconnectUser(deps: Deps, userId: number): Promise<DisconnectResult> {
  const { db } = deps
  const user = await getUser(db, userId)
  const owned = (await attributeRows(db, userId)).map((a) => a.attribute)
  let problems: string[] = []
  if (owned.length) {
    try {
      problems = await releaseAttributes(await existFor(deps, user), owned, deps.log)
    } catch (error) {
      // A token that no longer opens must not keep the user's data here.
      problems = [(error as Error).message]
    }
  }
  await atomically(db, [
    db.delete(userData).where(eq(userData.userId, userId)),
    db.delete(existValues).where(eq(existValues.userId, userId)),
    db.delete(runs).where(eq(runs.userId, userId)),
    db.delete(mappings).where(eq(mappings.userId, userId)),
    db.delete(attributes).where(eq(attributes.userId, userId)),
    db.delete(projects).where(eq(projects.userId, userId)),
    db.delete(sourceConnections).where(eq(sourceConnections.userId, userId)),
    db.delete(users).where(eq(users.id, userId)),
  ])
  deps.log.info('user_disconnected', { user: userId })
  return { user: userId, released: owned, problems }
}
