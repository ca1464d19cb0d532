/** The mapping view of a user's projects: cached projects with their attribute, refreshed from the sources on request. */

import { SOURCES, type SourceAccount } from '../core/source-types.ts'
import type { Deps } from '../deps.ts'
import { mappingRows } from '../store/attribute-store.ts'
import { atomically } from '../store/database.ts'
import { cachedProjects, replaceProjects } from '../store/project-cache.ts'
import { connectedSources, getUser } from '../store/user-store.ts'
import { pauseIfRefused } from './source-pause.ts'
import { readerFor } from './source-readers.ts'

export interface ProjectView {
  project: string
  name: string
  workspace: string
  client: string | null
  color: string | null
  archived: boolean
  /** Its workspace refused access (Clockify 403): not read, the attribute it feeds is held. */
  inaccessible: boolean
  attribute: string | null
}

/** "Refresh projects": a source that refuses its token here is paused, as in a run. */
export async function refreshProjects(deps: Deps, userId: number): Promise<void> {
  for (const conn of await connectedSources(deps.db, userId)) {
    let account: SourceAccount
    try {
      account = await (await readerFor(deps, conn)).account()
    } catch (error) {
      await pauseIfRefused(deps, userId, conn.source, error)
      throw error
    }
    await atomically(deps.db, replaceProjects(deps.db, userId, account, deps.now()))
  }
}

export async function listProjects(deps: Deps, userId: number): Promise<ProjectView[]> {
  await getUser(deps.db, userId)
  const attributeOf = new Map(
    (await mappingRows(deps.db, userId)).map((m) => [m.project, m.attribute]),
  )
  const rows = await cachedProjects(deps.db, userId)
  const views: ProjectView[] = rows.map((p) => ({
    project: p.project,
    name: p.name,
    workspace: p.workspaceName,
    client: p.clientName,
    color: p.color,
    archived: p.archived,
    inaccessible: p.inaccessible,
    attribute: attributeOf.get(p.project) ?? null,
  }))
  // Mapped projects that vanished from the source (deleted) still show, so they can be unmapped.
  for (const [project, attribute] of attributeOf) {
    if (!rows.some((p) => p.project === project)) {
      views.push({
        project,
        name: '(no longer in the source)',
        workspace: '',
        client: null,
        color: null,
        archived: true,
        inaccessible: false,
        attribute,
      })
    }
  }
  const order = (v: ProjectView) => SOURCES.indexOf(v.project.split(':')[0] as never)
  return views.sort(
    (a, b) =>
      order(a) - order(b) ||
      a.workspace.localeCompare(b.workspace) ||
      (a.client ?? '').localeCompare(b.client ?? '') ||
      a.name.localeCompare(b.name),
  )
}
