/** A new Exist duration attribute for time Timebridge sends (a rule's target), created in the productivity group and owned by us. */

import { ApiError } from '../clients/api-client.ts'
import { InputError } from '../core/input-error.ts'
import { DURATION } from '../core/templates.ts'
import type { Deps } from '../deps.ts'
import { getUser } from '../store/user-store.ts'
import { existFor } from './exist-session.ts'

/** Exist groups attributes; tracked time of any kind belongs with Productive/Neutral/Distracting time. */
export const NEW_ATTRIBUTE_GROUP = 'productivity'
const LABEL_MAX = 40

/**
 * Creates a duration attribute from a label and returns the name Exist gave it (a slug of the label,
 * "not guaranteed", so read from the answer). POST /api/2/attributes/create/ with value_type 3
 * (duration), the group, and `manual: false` (it defaults to true) — developer.exist.io
 * docs/reference/creating_attributes.md, as summarised in reference/exist-api.md 2.3. Exist answers an
 * existing label with `failed[].error_code = "exists"`: that is refused here, so nobody's attribute
 * is taken over by accident (choose it by name instead).
 */
export async function createDurationAttribute(
  deps: Deps,
  userId: number,
  rawLabel: string,
): Promise<{ name: string; label: string }> {
  const label = rawLabel.trim().replace(/\s+/g, ' ')
  if (label === '' || label.length > LABEL_MAX || /[\p{Cc}]/u.test(label)) {
    throw new InputError(
      `A new attribute needs a name of 1 to ${LABEL_MAX} characters (e.g. "Deep work")`,
      'attribute',
    )
  }
  const user = await getUser(deps.db, userId)
  const exist = await existFor(deps, user)
  let res: Awaited<ReturnType<typeof exist.create>>
  try {
    res = await exist.create([{ label, group: NEW_ATTRIBUTE_GROUP, value_type: DURATION }])
  } catch (error) {
    if (error instanceof ApiError)
      throw new InputError(`Could not reach Exist: ${error.message}`, 'attribute')
    throw error
  }
  const made = res.body.success[0]
  if (!made) {
    const failed = res.body.failed[0]
    throw new InputError(
      failed?.error_code === 'exists'
        ? `Exist already has an attribute called "${label}": choose it by name instead`
        : `Exist would not create "${label}": ${failed?.error ?? 'no confirmation in its answer'}`,
      'attribute',
    )
  }
  return { name: made.name, label }
}
