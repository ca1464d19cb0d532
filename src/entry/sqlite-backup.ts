/** `backup FILE`: a consistent online copy of the SQLite database with better-sqlite3's backup API, private and checked before it replaces FILE. */
import { chmodSync, closeSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'

export interface BackupResult {
  file: string
  bytes: number
  pages: number
}

/**
 * SQLite's online backup copies page by page and starts over when another connection writes
 * meanwhile, so the copy is one committed state even while the server syncs. It is written next to
 * FILE (0600, it holds sealed tokens), checked with `integrity_check`, then renamed over FILE: a
 * crash or a failed check never leaves a half-written FILE.
 */
export async function backupSqlite(client: Database.Database, file: string): Promise<BackupResult> {
  const target = resolve(file)
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
  const partial = `${target}.partial-${process.pid}`
  try {
    // An empty file is an empty database to SQLite: created 0600 first, the copy keeps that mode.
    closeSync(openSync(partial, 'w', 0o600))
    chmodSync(partial, 0o600)
    const { totalPages } = await client.backup(partial)
    const copy = new Database(partial, { readonly: true, fileMustExist: true })
    try {
      const check = copy.pragma('integrity_check', { simple: true })
      if (check !== 'ok')
        throw new Error(`the copy failed SQLite's integrity check: ${String(check)}`)
    } finally {
      copy.close()
    }
    renameSync(partial, target)
    return { file: target, bytes: statSync(target).size, pages: totalPages }
  } catch (error) {
    rmSync(partial, { force: true })
    rmSync(`${partial}-wal`, { force: true })
    rmSync(`${partial}-shm`, { force: true })
    throw error
  }
}
