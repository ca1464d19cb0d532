/** The Exist attributes a user syncs: which we own, which another service took, and letting go of unused ones. */
import { and, eq, inArray, isNull } from 'drizzle-orm'
import type { Db, Statement } from '../db/database.ts'
import { attributes, existValues, mappings, users } from '../db/schema.ts'
import type { ExistClient } from '../exist/exist-client.ts'
import { EXIST_BATCH } from '../exist/exist-client.ts'
import { deleteAttributesLedger } from '../ledger/ledger-store.ts'
import type { Logger } from '../log.ts'

export type AttributeRow = typeof attributes.$inferSelect

export async function attributeRows(db: Db, userId: number): Promise<AttributeRow[]> {
  return db.select().from(attributes).where(eq(attributes.userId, userId))
}

export async function mappingRows(db: Db, userId: number) {
  return db.select().from(mappings).where(eq(mappings.userId, userId))
}

/** Maps a project to an attribute we now own (the statements of a mapping; acquiring happened before). */
export function mapStatements(db: Db, userId: number, project: string, attribute: string, label: string, now: number): Statement[] {
  const updatedAt = new Date(now)
  return [
    db
      .insert(mappings)
      .values({ userId, project, attribute })
      .onConflictDoUpdate({ target: [mappings.userId, mappings.project], set: { attribute } }),
    db
      .insert(attributes)
      .values({ userId, attribute, label, status: 'owned', error: null, updatedAt })
      .onConflictDoUpdate({
        target: [attributes.userId, attributes.attribute],
        set: { label, status: 'owned', error: null, updatedAt },
      }),
    // A first mapping makes the next run set every window day absolutely, so reading Exist back right
    // after would only confirm it: a user's first drift check comes with the schedule a day later.
    db
      .update(users)
      .set({ existCheckedAt: updatedAt })
      .where(and(eq(users.id, userId), isNull(users.existCheckedAt))),
  ]
}

/** Attributes that stop syncing: their ledger rows and ownership rows go; Exist keeps its values. */
export function forgetAttributes(db: Db, userId: number, names: readonly string[]): Statement[] {
  if (names.length === 0) return []
  return [
    ...deleteAttributesLedger(db, userId, names),
    db.delete(existValues).where(and(eq(existValues.userId, userId), inArray(existValues.attribute, [...names]))),
    db.delete(attributes).where(and(eq(attributes.userId, userId), inArray(attributes.attribute, [...names]))),
  ]
}

/** Hands attributes back to Exist (best effort: a failure is logged and reported, never fatal). */
export async function releaseAttributes(
  exist: ExistClient,
  names: readonly string[],
  log: Logger,
): Promise<string[]> {
  const problems: string[] = []
  for (let i = 0; i < names.length; i += EXIST_BATCH) {
    const chunk = names.slice(i, i + EXIST_BATCH)
    try {
      const { body } = await exist.release(chunk)
      for (const f of body.failed) problems.push(`${f.name ?? '?'}: ${f.error ?? f.error_code ?? 'refused'}`)
    } catch (error) {
      problems.push(`${chunk.join(', ')}: ${(error as Error).message}`)
    }
  }
  if (problems.length) log.warn('release_failed', { problems })
  return problems
}
