/** Form input: the submitted string fields, validated with zod into values or one message per field. */
import type { Context } from 'hono'
import { z } from 'zod'

export type FieldErrors = Record<string, string>

export type Checked<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors }

/** String fields of a url-encoded or multipart body (files are ignored; the CSRF check already parsed it). */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody()
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v
  return out
}

export function check<S extends z.ZodType>(schema: S, input: unknown): Checked<z.output<S>> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return { ok: true, data: parsed.data }
  const errors: FieldErrors = {}
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form')
    errors[field] ??= issue.message
  }
  return { ok: false, errors }
}

const token = (what: string, min: number) =>
  z
    .string({ error: `Paste your ${what}` })
    .trim()
    .min(1, `Paste your ${what}`)
    .min(min, `That is too short for a ${what}`)
    .max(200, `That is too long for a ${what}`)
    .regex(/^[\x21-\x7e]+$/, `A ${what} has no spaces or special characters: copy it again`)

export const ExistTokenForm = z.object({ existToken: token('Exist token', 8) })
export const TogglTokenForm = z.object({ togglToken: token('Toggl Track API token', 8) })
export const ClockifyKeyForm = z.object({
  clockifyKey: token('Clockify API key', 8),
  clockifyRegion: z.enum(['global', 'eu', 'us', 'uk', 'au'], {
    error: 'Choose the region your Clockify data is stored in',
  }),
})
export const ConfirmForm = z.object({
  confirm: z.literal('yes', { error: 'Confirm on the confirmation page first' }),
})

const PROJECT = /^(toggl|clockify):[A-Za-z0-9_-]{1,64}$/
const ATTRIBUTE = /^[a-z0-9_]{1,100}$/

/** `map[toggl:123]=productive_min` fields into project → attribute (null: not synced). */
export const MappingForm = z.record(z.string(), z.string()).transform((fields, ctx) => {
  const out = new Map<string, string | null>()
  for (const [key, value] of Object.entries(fields)) {
    const m = /^map\[(.+)\]$/.exec(key)
    if (!m) continue
    const project = m[1]!
    if (!PROJECT.test(project)) {
      ctx.addIssue({ code: 'custom', path: [project], message: 'Unknown project' })
      continue
    }
    if (value !== '' && !ATTRIBUTE.test(value)) {
      ctx.addIssue({
        code: 'custom',
        path: [project],
        message: 'Choose an attribute from the list',
      })
      continue
    }
    out.set(project, value === '' ? null : value)
  }
  if (out.size === 0 && ctx.issues.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['form'],
      message: 'The form had no projects in it; reload the page',
    })
  }
  const stopped = fields.stopped === 'clear' || fields.stopped === 'keep' ? fields.stopped : null
  return { selections: out, confirmed: fields.confirmed === 'yes', stopped }
})

/** The status page's "Repair drift automatically" toggle. */
export const RepairDriftForm = z.object({
  repairDrift: z.enum(['on', 'off'], { error: 'Choose on or off' }),
})

/** The history import's first day, as the date input sends it. */
export const HistoryImportForm = z.object({
  confirm: z.literal('yes', { error: 'Confirm on the confirmation page first' }),
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'Choose a date' }),
})

const RULE_KIND = z.enum(['project', 'tag', 'client', 'workspace', 'description'], {
  error: 'Choose what the rule matches',
})
const POSITION = z.coerce
  .number({ error: 'Choose a position' })
  .int('Choose a position')
  .min(1, 'Choose a position')
  .max(10_000, 'Choose a position')

/** A rule as the mapping page's forms send it (add, preview, edit). */
export const RuleForm = z.object({
  kind: RULE_KIND,
  value: z
    .string({ error: 'Type what to match' })
    .trim()
    .min(1, 'Type what to match')
    .max(200, 'At most 200 characters'),
  // Empty is allowed for a preview only (the route says so for add and save).
  attribute: z
    .string({ error: 'Choose an attribute' })
    .regex(/^$|^[a-z0-9_]{1,100}$/, 'Choose an attribute from the list'),
  /** Or a new Exist attribute, created from this name (add only). */
  newAttribute: z
    .string()
    .trim()
    .max(40, 'At most 40 characters')
    .regex(/^[^\p{Cc}]*$/u, 'Letters, digits and spaces only')
    .default(''),
  position: POSITION.optional(),
  action: z.enum(['add', 'preview', 'save']).default('add'),
})

/** Moving a rule one place up or down. */
export const MoveRuleForm = z.object({
  direction: z.enum(['up', 'down'], { error: 'Choose up or down' }),
})

export const RulePosition = POSITION
