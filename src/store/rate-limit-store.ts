/** Fixed-window hit counters in the database: one atomic upsert per hit, shared by every process and Workers isolate. */
import { lt, sql } from 'drizzle-orm'
import type { Db } from './database.ts'
import { rateLimits } from './schema.ts'

export interface Hit {
  /** Hits of `key` in the current window, this one included. */
  hits: number
  /** Epoch ms when the current window ends. */
  resetAt: number
}

/**
 * Counts one hit of `key` in the fixed window (aligned to multiples of `windowMs`) that holds `now`.
 * One statement, so concurrent hits (other processes, other isolates on D1) are all counted.
 */
export async function countHit(db: Db, key: string, now: number, windowMs: number): Promise<Hit> {
  const windowStart = Math.floor(now / windowMs) * windowMs
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart, hits: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      // SQLite evaluates every SET expression on the old row, so the comparison sees the old window.
      set: {
        hits: sql`case when ${rateLimits.windowStart} = excluded.window_start then ${rateLimits.hits} + 1 else 1 end`,
        windowStart: sql`excluded.window_start`,
      },
    })
    .returning({ hits: rateLimits.hits })
  const hits = row?.hits ?? 1
  // A key's first hit in a window also clears the counters whose windows are over: the table
  // holds only the keys seen in the last window or so.
  if (hits === 1) await db.delete(rateLimits).where(lt(rateLimits.windowStart, windowStart))
  return { hits, resetAt: windowStart + windowMs }
}
