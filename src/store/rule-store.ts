/** The `rules` table: a user's ordered mapping rules (positions 1…n, dense), read, inserted, moved and deleted. */
import { asc, eq } from 'drizzle-orm'
import type { Rule } from '../core/rules.ts'
import type { Db, Statement } from './database.ts'
import { rules } from './schema.ts'

export interface RuleRow extends Rule {
  id: number
  position: number
}

export async function ruleRows(db: Db, userId: number): Promise<RuleRow[]> {
  return db
    .select({
      id: rules.id,
      position: rules.position,
      kind: rules.kind,
      value: rules.value,
      attribute: rules.attribute,
    })
    .from(rules)
    .where(eq(rules.userId, userId))
    .orderBy(asc(rules.position), asc(rules.id))
}

/**
 * Rewrites the whole ordered list (positions 1…n) in one set of statements: add, edit, move and
 * delete are all "the list as it should be", so a half-applied reorder can't leave gaps or twins.
 */
export function writeRules(
  db: Db,
  userId: number,
  list: readonly (Rule & { id?: number })[],
): Statement[] {
  const statements: Statement[] = [db.delete(rules).where(eq(rules.userId, userId))]
  list.forEach((r, i) => {
    statements.push(
      db.insert(rules).values({
        ...(r.id !== undefined ? { id: r.id } : {}),
        userId,
        position: i + 1,
        kind: r.kind,
        value: r.value,
        attribute: r.attribute,
      }),
    )
  })
  return statements
}
