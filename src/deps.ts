/** Everything the app and the sync take as arguments: database, config, clock, HTTP, secrets, logger. */
import type { Config } from './config/env.ts'
import type { SecretBox } from './crypto/secret-box.ts'
import type { Db } from './db/database.ts'
import type { HttpDeps } from './http/api-client.ts'
import type { Logger } from './log.ts'

export interface Deps extends HttpDeps {
  db: Db
  config: Config
  box: SecretBox
  /** Epoch milliseconds; injected so tests can move through days and DST changes. */
  now: () => number
  log: Logger
}
