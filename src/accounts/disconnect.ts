/** Disconnect: one source (its credential, projects and mappings; attributes it alone fed stop syncing) or the whole user. */
import type { ExistClient } from '../clients/exist/exist-client.ts'
import { InputError } from '../core/input-error.ts'
import type { Source } from '../core/source-types.ts'
import type { Deps } from '../deps.ts'
import {
  attributeRows,
  deleteSourceMappings,
  forgetAttributes,
  mappingRows,
} from '../store/attribute-store.ts'
import { atomically } from '../store/database.ts'
import { deleteSourceProjects } from '../store/project-cache.ts'
import { ruleRows, writeRules } from '../store/rule-store.ts'
import {
  closeConnection,
  deleteConnection,
  deleteUserStatements,
  findConnection,
  getUser,
} from '../store/user-store.ts'
import { existFor } from './exist-session.ts'
import { releaseAttributes } from './release-attributes.ts'

export interface DisconnectResult {
  user: number
  source?: Source
  /** Attributes handed back to Exist. */
  released: string[]
  problems: string[]
}

/**
 * Removes a source. With `reason` (automatic, after a pause ran out) the connection row stays,
 * without its credential, so the user is told why on their next visit; without it the row goes too.
 */
export async function disconnectSource(
  deps: Deps,
  userId: number,
  source: Source,
  opts: { reason?: string; exist?: ExistClient } = {},
): Promise<DisconnectResult> {
  const { db } = deps
  const user = await getUser(db, userId)
  const conn = await findConnection(db, userId, source)
  if (!conn) throw new InputError(`User ${userId} has no ${source} connection`, 'source')

  const maps = await mappingRows(db, userId)
  const kept = new Set(
    maps.filter((m) => !m.project.startsWith(`${source}:`)).map((m) => m.attribute),
  )
  // Rules stay, except those about one of this source's projects (nothing left for them to match).
  const rules = await ruleRows(db, userId)
  const keptRules = rules.filter((r) => !(r.kind === 'project' && r.value.startsWith(`${source}:`)))
  for (const r of keptRules) kept.add(r.attribute)
  const orphaned = (await attributeRows(db, userId))
    .map((a) => a.attribute)
    .filter((a) => !kept.has(a))

  await atomically(db, [
    opts.reason
      ? closeConnection(db, userId, source, opts.reason, deps.now())
      : deleteConnection(db, userId, source),
    deleteSourceProjects(db, userId, source),
    deleteSourceMappings(db, userId, source),
    ...(keptRules.length < rules.length ? writeRules(db, userId, keptRules) : []),
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
  await atomically(db, deleteUserStatements(db, userId))
  deps.log.info('user_disconnected', { user: userId })
  return { user: userId, released: owned, problems }
}
