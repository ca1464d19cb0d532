/** Builds the Node runtime's dependencies: env parsed once, secret key loaded or generated, SQLite opened and migrated. */

import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DEFAULT_HTTP_POLICY } from '../clients/api-client.ts'
import type { Deps } from '../deps.ts'
import { type Config, parseEnv } from '../shared/env.ts'
import { type Logger, silentLogger } from '../shared/log.ts'
import { nodeHttpTransport } from './node-http.ts'
import { nodeProcessProbe } from './node-process.ts'
import { openSqlite } from './open-sqlite.ts'
import { createNodeSecretBox } from './secret-box-node.ts'
import { type BackupResult, backupSqlite } from './sqlite-backup.ts'

export const SECRET_KEY_FILE = './data/secret.key'

export async function createNodeDeps(
  env: Record<string, string | undefined>,
  opts: { log?: Logger; shutdown?: AbortSignal } = {},
): Promise<{ deps: Deps; close(): void; backup(file: string): Promise<BackupResult> }> {
  const config: Config = parseEnv(env)
  const secretKey = config.secretKey ?? loadOrCreateSecretKey(resolve(SECRET_KEY_FILE))
  const box = createNodeSecretBox(secretKey)
  const { db, close, client } = openSqlite(config.databasePath)
  const deps: Deps = {
    db,
    config: { ...config, secretKey },
    box,
    now: () => Date.now(),
    transport: nodeHttpTransport(),
    http: DEFAULT_HTTP_POLICY,
    log: opts.log ?? silentLogger,
    processes: nodeProcessProbe(),
    shutdown: opts.shutdown,
  }
  return { deps, close, backup: (file) => backupSqlite(client, file) }
}

/** The key is made once and kept: tokens sealed under it are unreadable without it. */
function loadOrCreateSecretKey(path: string): string {
  try {
    return readKey(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  chmodSync(path, 0o600)
  return readKey(path)
}

function readKey(path: string): string {
  const key = readFileSync(path, 'utf8').trim()
  if (key.length < 32)
    throw new Error(`${path} holds a key shorter than 32 characters; delete it or set SECRET_KEY`)
  return key
}
