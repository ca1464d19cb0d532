/** On workerd: Cron Trigger → local queue → consumer → fakes served by Node on loopback → D1. */
import { env, exports } from 'cloudflare:workers'
import { describe, expect, inject, it, vi } from 'vitest'
import { z } from 'zod'
import { connectUser } from '../../src/accounts/connect-user.ts'
import { mapProject } from '../../src/accounts/map-project.ts'
import { workerDeps } from '../../src/entry/worker-deps.ts'
import { clearTables, runsOf } from './worker-harness.ts'

const ValuesPage = z.object({
  results: z.array(z.object({ date: z.string(), value: z.number().nullable() })),
})

/**
 * The whole path as deployed: the Cron Trigger's handler enqueues on the real (local) queue, the
 * platform delivers the batch to the consumer, which syncs over the network to fake Toggl and Exist
 * served by Node on loopback, and records the run in D1.
 */
describe('cron → queue → consumer → loopback Toggl and Exist → D1', () => {
  it('syncs a connected user on the scheduled run', { timeout: 30_000 }, async () => {
    await clearTables()
    const person = inject('loopbackPerson')
    const deps = await workerDeps(env)
    const { user } = await connectUser(
      deps,
      { kind: 'personal', token: person.existToken },
      { togglToken: person.togglToken },
    )
    await mapProject(deps, user, person.project, 'productive_min')

    await exports.default.scheduled({ cron: '40 * * * *' })

    // Delivery waits for max_batch_timeout (5 s in wrangler.toml).
    await vi.waitFor(async () => expect(await runsOf(user)).toHaveLength(1), {
      timeout: 20_000,
      interval: 250,
    })
    expect(await runsOf(user)).toMatchObject([{ trigger: 'queue', status: 'ok', error: null }])

    const res = await fetch(
      `${env.EXIST_URL}/api/2/attributes/values/?attribute=productive_min&date_max=${person.date}`,
      { headers: { Authorization: `Bearer ${person.existToken}` } },
    )
    expect(res.status).toBe(200)
    const page = ValuesPage.parse(await res.json())
    expect(page.results.find((v) => v.date === person.date)?.value).toBe(person.minutes)
  })
})
