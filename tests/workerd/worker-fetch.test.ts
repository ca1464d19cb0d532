/** On workerd: the Worker serves the app's pages and reports bad configuration plainly. */
import { createExecutionContext, createScheduledController } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../../src/entry/worker.ts'

describe('the Worker serves the app', () => {
  it('answers the pages through its fetch handler', async () => {
    const home = await exports.default.fetch('https://timebridge.example.workers.dev/', {
      redirect: 'manual',
    })
    expect(home.status).toBe(303)
    expect(home.headers.get('location')).toBe('/signin')

    const signin = await exports.default.fetch('https://timebridge.example.workers.dev/signin')
    expect(signin.status).toBe(200)
    expect(signin.headers.get('content-type')).toMatch(/text\/html/)
    expect(await signin.text()).toContain('Sign in with an Exist token')

    const health = await exports.default.fetch('https://timebridge.example.workers.dev/healthz')
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ ok: true })
  })
})

describe('configuration comes from the Worker env through the same schema as on Node', () => {
  const call = (vars: Record<string, unknown>) =>
    worker.fetch(
      new Request('https://timebridge.example.workers.dev/'),
      { ...env, ...vars },
      createExecutionContext(),
    )

  it('refuses to run without SECRET_KEY and says how to set it', async () => {
    const res = await call({ SECRET_KEY: undefined })
    expect(res.status).toBe(500)
    expect(await res.text()).toMatch(
      /SECRET_KEY is not set: add it with `npx wrangler secret put SECRET_KEY`.*for `wrangler dev`, put a line SECRET_KEY=… in \.dev\.vars/,
    )
    await expect(
      worker.scheduled(
        createScheduledController({ cron: '40 * * * *' }),
        { ...env, SECRET_KEY: undefined },
        createExecutionContext(),
      ),
    ).rejects.toThrow(/SECRET_KEY is not set/)
  })

  it('names a bad variable without echoing a secret', async () => {
    const short = await call({ SECRET_KEY: 'hunter2-hunter2' })
    expect(short.status).toBe(500)
    const text = await short.text()
    expect(text).toMatch(/Invalid SECRET_KEY: must be at least 32 characters/)
    expect(text).not.toContain('hunter2')

    const days = await call({ SYNC_DAYS: 'fortnight' })
    expect(await days.text()).toMatch(/Invalid SYNC_DAYS \(got "fortnight"\)/)
  })
})
