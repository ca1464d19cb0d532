/** Stores the fakes' synthetic users as `connect` and `map` would have (tokens checked and attributes acquired in the fakes): for the benchmark and the load test. */
import { saveConnection } from '../../src/accounts/connect-user.ts'
import type { Deps } from '../../src/deps.ts'
import { mapStatements } from '../../src/store/attribute-store.ts'
import { atomically } from '../../src/store/database.ts'
import type { SeededUser } from './bench-fakes.ts'

/** Through the same use-case `connect` ends in, and the same statements `map` writes; returns the user id. */
export async function storeSeededUser(deps: Deps, u: SeededUser): Promise<number> {
  const { user } = await saveConnection(
    deps,
    { username: u.username, timezone: u.timezone },
    { kind: 'personal', token: u.existToken },
    [
      {
        credential: u.togglToken,
        account: {
          source: 'toggl',
          accountId: String(u.togglId),
          label: u.username,
          meta: null,
          projects: u.projects.map((p) => ({
            project: `toggl:${p.id}`,
            name: p.name,
            workspaceId: String(u.workspaceId),
            workspaceName: `${u.username}'s workspace`,
            clientName: null,
            color: '#0b83d9',
            archived: false,
          })),
        },
      },
    ],
  )
  await atomically(
    deps.db,
    u.mappings.flatMap((m) =>
      mapStatements(deps.db, user, m.project, m.attribute, m.label, deps.now()),
    ),
  )
  return user
}
