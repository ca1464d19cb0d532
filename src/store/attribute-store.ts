/** The `attributes` and `mappings` tables: which Exist attributes a user syncs (owned, or taken by another service) and which project feeds which. */
import { and, eq, inArray, isNull, like } from 'drizzle-orm'
import type { Source } from '../core/source-types.ts'
import type { Db, Statement } from './database.ts'
import { deleteAttributesLedger } from './ledger-store.ts'
import { attributes, existValues, mappings, users } from './schema.ts'

export type AttributeRow = typeof attributes.$inferSelect

export async function attributeRows(db: Db, userId: number): Promise<AttributeRow[]> {
  return db.select().from(attributes).where(eq(attributes.userId, userId))
}

export async function mappingRows(db: Db, userId: number) {
  return db.select().from(mappings).where(eq(mappings.userId, userId))
}

/** Attributes that stop syncing: their ledger rows and ownership rows go; Exist keeps its values. */
export function forgetAttributes(db: Db, userId: number, names: readonly string[]): Statement[] {
  if (names.length === 0) return []
  return [
    ...deleteAttributesLedger(db, userId, names),
    db
      .delete(existValues)
      .where(and(eq(existValues.userId, userId), inArray(existValues.attribute, [...names]))),
    db
      .delete(attributes)
      .where(and(eq(attributes.userId, userId), inArray(attributes.attribute, [...names]))),
  ]
}

/** Maps a project to an attribute we now own (the statements of a mapping; acquiring happened before). */
export function mapStatements(
  db: Db,
  userId: number,
  project: string,
  attribute: string,
  label: string,
  now: number,
): Statement[] {
  return [
    db
      .insert(mappings)
      .values({ userId, project, attribute })
      .onConflictDoUpdate({ target: [mappings.userId, mappings.project], set: { attribute } }),
    ...ownStatements(db, userId, attribute, label, now),
  ]
}

/** Records an attribute we now own (acquiring happened before), whatever feeds it. */
export function ownStatements(
  db: Db,
  userId: number,
  attribute: string,
  label: string,
  now: number,
): Statement[] {
  const updatedAt = new Date(now)
  return [
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

export function deleteMapping(db: Db, userId: number, project: string): Statement {
  return db.delete(mappings).where(and(eq(mappings.userId, userId), eq(mappings.project, project)))
}

/** Mappings of every project of one source (`toggl:…`). */
export function deleteSourceMappings(db: Db, userId: number, source: Source): Statement {
  return db
    .delete(mappings)
    .where(and(eq(mappings.userId, userId), like(mappings.project, `${source}:%`)))
}

export async function markAttributesRefused(
  db: Db,
  userId: number,
  names: readonly string[],
  error: string,
  now: number,
): Promise<void> {
  await db
    .update(attributes)
    .set({ status: 'refused', error, updatedAt: new Date(now) })
    .where(and(eq(attributes.userId, userId), inArray(attributes.attribute, [...names])))
}

/** One statement setting some attributes' status: owned again (error cleared), or refused with why. */
export function setAttributesStatus(
  db: Db,
  userId: number,
  names: readonly string[],
  status: 'owned' | 'refused',
  error: string | null,
  now: number,
): Statement {
  return db
    .update(attributes)
    .set({ status, error, updatedAt: new Date(now) })
    .where(and(eq(attributes.userId, userId), inArray(attributes.attribute, [...names])))
}
