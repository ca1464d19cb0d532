/** Node side of the workerd tests: fake Toggl and Exist on loopback, seeded with one person for the end-to-end test. */
import type { TestProject } from 'vitest/node'
import { FakeExist, FakeToggl, serveFake } from '../fakes/index.ts'

export interface LoopbackPerson {
  existToken: string
  togglToken: string
  project: string
  /** The UTC day of the seeded entries (the person's Exist time zone is UTC). */
  date: string
  minutes: number
}

export default async function setup(project: TestProject) {
  const toggl = new FakeToggl()
  const exist = new FakeExist()
  const [togglServer, existServer] = await Promise.all([
    serveFake(toggl.fetch),
    serveFake(exist.fetch),
  ])

  // The Worker runs on the real clock in that test, so the entries sit at noon yesterday (UTC).
  const today = new Date()
  const noon = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 1, 12)
  const togglUser = toggl.addUser({
    token: 'toggl-token-loopback-0001',
    timezone: 'UTC',
    fullname: 'Lou',
  })
  exist.addUser({ token: 'exist-token-loopback-0001', username: 'lou', timezone: 'UTC' })
  const work = toggl.addProject(togglUser, { name: 'Work' })
  toggl.addEntry(togglUser, { projectId: work.id, start: noon, stop: noon + 50 * 60_000 })
  toggl.addEntry(togglUser, {
    projectId: work.id,
    start: noon + 2 * 3_600_000,
    stop: noon + 2 * 3_600_000 + 40 * 60_000,
  })

  project.provide('loopbackToggl', togglServer.url)
  project.provide('loopbackExist', existServer.url)
  project.provide('loopbackPerson', {
    existToken: 'exist-token-loopback-0001',
    togglToken: togglUser.token,
    project: `toggl:${work.id}`,
    date: new Date(noon).toISOString().slice(0, 10),
    minutes: 90,
  })
  return async () => {
    await Promise.all([togglServer.close(), existServer.close()])
  }
}

// Typed for the tests in tests/workerd/env.d.ts (this file is compiled by the root tsconfig).
declare module 'vitest' {
  export interface ProvidedContext {
    loopbackToggl: string
    loopbackExist: string
    loopbackPerson: LoopbackPerson
  }
}
