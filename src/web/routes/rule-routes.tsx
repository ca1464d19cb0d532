/** The rules section of the mapping page: add (with a Preview first), edit, move and delete ordered rules; each a POST that redirects back. */
import { Hono } from 'hono'
import {
  addRule,
  editRule,
  moveRule,
  type RuleChange,
  removeRule,
} from '../../accounts/mapping-rules.ts'
import { createDurationAttribute } from '../../accounts/new-attribute.ts'
import { UnreadableCredential } from '../../accounts/open-secret.ts'
import { previewRule } from '../../accounts/rule-preview.ts'
import { ApiError } from '../../clients/api-client.ts'
import { InputError } from '../../core/input-error.ts'
import { checkValue } from '../../core/rules.ts'
import type { AppEnv } from '../app-env.ts'
import { check, formFields, MoveRuleForm, RuleForm, RulePosition } from '../forms.ts'
import { count, plainError } from '../plain-words.ts'
import { type AppContext, mustUser, redirectWith } from '../web.ts'

const BACK = '/mapping#rules'

export function ruleRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.post('/mapping/rules', async (c) => {
    const user = mustUser(c)
    const { deps } = c.var
    const fields = await formFields(c)
    const form = check(RuleForm, fields)
    if (!form.ok) return refused(c, fields, form.errors)
    const { kind, attribute, action } = form.data
    const position = form.data.position
    try {
      const value = checkValue(kind, form.data.value)
      if (action === 'preview') {
        const p = await previewRule(
          deps,
          user.id,
          { kind, value },
          position ?? Number.MAX_SAFE_INTEGER,
        )
        return redirectWith(c, BACK, {
          kind: 'ok',
          text: `Preview of ${kind}:${value}: matches ${count(p.entries, 'entry', 'entries')}, ${duration(p.minutes)} in the last ${p.days} days.`,
          form: { values: ruleValues(fields) },
        })
      }
      const { newAttribute } = form.data
      if (attribute && newAttribute)
        return refused(c, fields, {
          newAttribute: 'Choose an attribute or name a new one, not both',
        })
      if (!attribute && !newAttribute)
        return refused(c, fields, { attribute: 'Choose an attribute (or name a new one)' })
      // A new attribute is created in Exist first (it answers with its name), then taken like any other.
      const target = attribute || (await createDurationAttribute(deps, user.id, newAttribute)).name
      const change = await addRule(deps, user.id, { kind, value, attribute: target }, position)
      return redirectWith(c, BACK, saved('Rule added', change))
    } catch (error) {
      return failed(c, fields, error)
    }
  })

  app.post('/mapping/rules/:position', async (c) => {
    const user = mustUser(c)
    const fields = await formFields(c)
    const at = check(RulePosition, c.req.param('position'))
    const form = check(RuleForm, fields)
    if (!at.ok) return redirectWith(c, BACK, { kind: 'error', text: 'No such rule.' })
    if (!form.ok) return refused(c, fields, form.errors)
    const { kind, attribute } = form.data
    try {
      if (!attribute) return refused(c, fields, { attribute: 'Choose an attribute' })
      const value = checkValue(kind, form.data.value)
      const change = await editRule(c.var.deps, user.id, at.data, { kind, value, attribute })
      return redirectWith(c, BACK, saved(`Rule ${at.data} saved`, change))
    } catch (error) {
      return failed(c, fields, error)
    }
  })

  app.post('/mapping/rules/:position/move', async (c) => {
    const user = mustUser(c)
    const at = check(RulePosition, c.req.param('position'))
    const form = check(MoveRuleForm, await formFields(c))
    if (!at.ok || !form.ok) return redirectWith(c, BACK, { kind: 'error', text: 'No such move.' })
    const to = form.data.direction === 'up' ? at.data - 1 : at.data + 1
    try {
      const change = await moveRule(c.var.deps, user.id, at.data, to)
      return redirectWith(c, BACK, saved(`Rule moved to ${to}`, change))
    } catch (error) {
      return failed(c, {}, error)
    }
  })

  app.post('/mapping/rules/:position/delete', async (c) => {
    const user = mustUser(c)
    await formFields(c)
    const at = check(RulePosition, c.req.param('position'))
    if (!at.ok) return redirectWith(c, BACK, { kind: 'error', text: 'No such rule.' })
    try {
      const change = await removeRule(c.var.deps, user.id, at.data)
      return redirectWith(c, BACK, saved(`Rule ${at.data} deleted`, change))
    } catch (error) {
      return failed(c, {}, error)
    }
  })

  return app
}

function saved(what: string, change: RuleChange) {
  const lines = [
    ...(change.took_over_from ? [`Took the attribute over from ${change.took_over_from}.`] : []),
    ...(change.released.length
      ? [`No longer synced (Exist keeps its values): ${change.released.join(', ')}.`]
      : []),
    ...change.problems,
  ]
  return {
    kind: 'ok' as const,
    text: `${what}. The next sync corrects the last days to match.`,
    ...(lines.length ? { lines } : {}),
  }
}

/** The add form's fields, to show them again after a preview or a refusal. */
function ruleValues(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of ['kind', 'value', 'attribute', 'newAttribute', 'position'])
    if (fields[k] !== undefined) out[`rule.${k}`] = fields[k].slice(0, 200)
  return out
}

function refused(c: AppContext, fields: Record<string, string>, errors: Record<string, string>) {
  const prefixed = Object.fromEntries(
    Object.entries(errors).map(([k, v]) => [`rule.${k}`, v.slice(0, 500)]),
  )
  return redirectWith(c, BACK, {
    kind: 'error',
    text: 'The rule was not saved: see the fields marked below.',
    form: { values: ruleValues(fields), errors: prefixed },
  })
}

function failed(c: AppContext, fields: Record<string, string>, error: unknown) {
  if (error instanceof InputError)
    return refused(c, fields, { [error.field ?? 'value']: error.message })
  if (error instanceof ApiError || error instanceof UnreadableCredential)
    return redirectWith(c, BACK, {
      kind: 'error',
      text: `Nothing was changed: ${plainError(error.message)}`,
      form: { values: ruleValues(fields) },
    })
  throw error
}

/** 740 → "12 h 20 min". */
function duration(minutes: number): string {
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return h ? `${h} h ${m} min` : `${m} min`
}
