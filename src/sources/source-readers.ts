/** Picks the reader for a stored source connection. */
import type { Deps } from '../deps.ts'
import { sourceCredential, type SourceConnection } from '../users/user-store.ts'
import { clockifyBase, clockifyReader, ClockifyRegionSchema } from './clockify/clockify-client.ts'
import type { SourceReader } from './source-types.ts'
import { togglReader } from './toggl/toggl-client.ts'

/** `workspaceIds` narrows a run to the workspaces that hold mapped projects (Clockify quotas are per workspace). */
export async function readerFor(deps: Deps, conn: SourceConnection, workspaceIds?: readonly string[]): Promise<SourceReader> {
  const credential = await sourceCredential(deps, conn)
  switch (conn.source) {
    case 'toggl':
      return togglReader(deps, deps.config.togglUrl, credential)
    case 'clockify': {
      const region = ClockifyRegionSchema.catch('global').parse(conn.region ?? 'global')
      const meta = conn.meta ? (JSON.parse(conn.meta) as unknown) : null
      return clockifyReader(deps, clockifyBase(deps.config.clockifyUrl, region), credential, { meta, workspaceIds })
    }
  }
}
