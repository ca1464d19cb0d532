/** Everything the app and the sync take as arguments: database, config, clock, HTTP, secrets, logger. */

import type { HttpDeps } from './clients/api-client.ts'
import type { Config } from './shared/env.ts'
import type { Logger } from './shared/log.ts'
import type { ProcessProbe } from './shared/process-probe.ts'
import type { SecretBox } from './shared/secret-box.ts'
import type { Db } from './store/database.ts'

export interface Deps extends HttpDeps {
  db: Db
  config: Config
  box: SecretBox
  /** Epoch milliseconds; injected so tests can move through days and DST changes. */
  now: () => number
  log: Logger
  /** Who this process is, and whether another process on its host is gone (Node); absent on Workers. */
  processes?: ProcessProbe
  /** Aborted when the process shuts down: runs stop between steps, no new run starts. */
  shutdown?: AbortSignal
}
