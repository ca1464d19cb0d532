/** zod schemas of the Clockify v1 answers we read (unknown fields are ignored). */
import { z } from 'zod'

export const ClockifyUser = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  email: z.string().nullish(),
  activeWorkspace: z.string().nullish(),
  defaultWorkspace: z.string().nullish(),
})

export const ClockifyWorkspaces = z.array(z.object({ id: z.string().min(1), name: z.string() }))

export const ClockifyProjects = z.array(
  z.object({
    id: z.string().min(1),
    name: z.string(),
    workspaceId: z.string(),
    clientName: z.string().nullish(),
    color: z.string().nullish(),
    archived: z.boolean().nullish(),
  }),
)

const instant = z.iso.datetime({ offset: true })

export const ClockifyTimeEntries = z.array(
  z.object({
    id: z.string(),
    projectId: z.string().nullish(),
    // The hydrated shape: the project as an object instead of `projectId`.
    project: z.object({ id: z.string().min(1) }).nullish(),
    description: z.string().nullish(),
    tagIds: z.array(z.string()).nullish(),
    // The hydrated shape: tags as objects instead of `tagIds`.
    tags: z.array(z.object({ id: z.string(), name: z.string() })).nullish(),
    type: z.string().nullish(),
    timeInterval: z.object({
      start: instant,
      // Null while the timer runs; `duration` (an ISO-8601 string) is never used.
      end: instant.nullish(),
    }),
  }),
)

/** What we cache between runs so a normal run needs no /user or /workspaces request. */
export const ClockifyMeta = z.object({
  userId: z.string(),
  workspaces: z.array(z.object({ id: z.string(), name: z.string() })),
  /** Tag id → name, read (per workspace) only while the user has tag rules; absent until then. */
  tags: z.record(z.string(), z.string()).optional(),
})

/** GET /workspaces/{ws}/tags (docs.clockify.me, "Tag" → "Find tags on workspace"): paginated, `archived` optional. */
export const ClockifyTags = z.array(z.object({ id: z.string().min(1), name: z.string() }))
export type ClockifyMeta = z.output<typeof ClockifyMeta>
