/** Opening stored credentials: the purposes sealed secrets are bound to, and the reader for a stored source connection. */

import {
  ClockifyRegionSchema,
  clockifyBase,
  clockifyReader,
} from '../clients/clockify/clockify-client.ts'
import { togglReader, togglReportsReader } from '../clients/toggl/toggl-client.ts'
import { InputError } from '../core/input-error.ts'
import type { Source, SourceReader } from '../core/source-types.ts'
import type { Deps } from '../deps.ts'
import type { SourceConnection } from '../store/user-store.ts'
import { openSecret } from './open-secret.ts'

/** Purpose strings bound to sealed secrets (AES-GCM associated data). */
export const PURPOSE = {
  existToken: 'exist-token',
  existRefresh: 'exist-refresh-token',
  source: (source: Source) => `source-credential:${source}`,
} as const

export async function sourceCredential(deps: Deps, conn: SourceConnection): Promise<string> {
  if (!conn.credential) throw new InputError(`${conn.source} is not connected`, 'source')
  return openSecret(deps, conn.credential, PURPOSE.source(conn.source), conn.source)
}

/** `workspaceIds` narrows a run to the workspaces that hold mapped projects (Clockify quotas are per workspace). */
export async function readerFor(
  deps: Deps,
  conn: SourceConnection,
  workspaceIds?: readonly string[],
): Promise<SourceReader> {
  const credential = await sourceCredential(deps, conn)
  switch (conn.source) {
    case 'toggl':
      return togglReader(deps, deps.config.togglUrl, credential)
    case 'clockify': {
      const region = ClockifyRegionSchema.catch('global').parse(conn.region ?? 'global')
      const meta = conn.meta ? (JSON.parse(conn.meta) as unknown) : null
      return clockifyReader(deps, clockifyBase(deps.config.clockifyUrl, region), credential, {
        meta,
        workspaceIds,
      })
    }
  }
}

/** Toggl history past `/me/time_entries`' reach: the Reports API, per workspace holding mapped projects. */
export async function togglReportsFor(
  deps: Deps,
  conn: SourceConnection,
  workspaceIds: readonly string[],
  opts: { tags?: boolean } = {},
): Promise<Pick<SourceReader, 'entries' | 'requests'>> {
  const credential = await sourceCredential(deps, conn)
  return togglReportsReader(deps, deps.config.togglUrl, credential, workspaceIds, opts)
}
