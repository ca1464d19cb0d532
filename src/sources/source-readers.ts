/** Picks the reader for a stored source connection. */
import type { Deps } from '../deps.ts'
import { sourceCredential, type SourceConnection } from '../users/user-store.ts'
import type { SourceReader } from './source-types.ts'
import { togglReader } from './toggl/toggl-client.ts'

export async function readerFor(deps: Deps, conn: SourceConnection): Promise<SourceReader> {
  const credential = await sourceCredential(deps, conn)
  switch (conn.source) {
    case 'toggl':
      return togglReader(deps, deps.config.togglUrl, credential)
    case 'clockify':
      throw new Error('Clockify is not supported yet')
  }
}
