/** zod schemas of the Toggl Track v9 answers we read (unknown fields are ignored). */
import { z } from 'zod'

const instant = z.iso.datetime({ offset: true })

export const TogglTimeEntry = z.object({
  id: z.number(),
  workspace_id: z.number(),
  project_id: z.number().nullish(),
  // Tag names and the description come with every entry (null when none, per the v9 spec).
  tags: z.array(z.string()).nullish(),
  description: z.string().nullish(),
  start: instant,
  // null while the timer runs. `duration` is not read: for a running entry it is a negative
  // marker, and a stopped entry's length is stop − start.
  stop: instant.nullish(),
  server_deleted_at: z.string().nullish(),
})

export type TogglTimeEntry = z.output<typeof TogglTimeEntry>

export const TogglTimeEntries = z.array(TogglTimeEntry)

export const TogglMe = z.object({
  id: z.number(),
  fullname: z.string().nullish(),
  email: z.string().nullish(),
  timezone: z.string().nullish(),
  // Toggl answers null rather than [] for empty related lists.
  workspaces: z
    .array(z.object({ id: z.number(), name: z.string(), server_deleted_at: z.string().nullish() }))
    .nullish(),
  clients: z.array(z.object({ id: z.number(), name: z.string() })).nullish(),
  projects: z
    .array(
      z.object({
        id: z.number(),
        workspace_id: z.number(),
        client_id: z.number().nullish(),
        name: z.string(),
        color: z.string().nullish(),
        active: z.boolean(),
        server_deleted_at: z.string().nullish(),
      }),
    )
    .nullish(),
})
export type TogglMe = z.output<typeof TogglMe>

/**
 * One row of the Reports API v3 detailed search (`POST /reports/api/v3/workspace/{workspace_id}/search/time_entries`,
 * https://engineering.toggl.com/docs/reports/detailed_reports): ungrouped, each row holds one time entry.
 */
export const TogglReportRow = z.object({
  user_id: z.number(),
  project_id: z.number().nullish(),
  description: z.string().nullish(),
  tag_ids: z.array(z.number()).nullish(),
  row_number: z.number().optional(),
  time_entries: z.array(
    z.object({
      id: z.number(),
      seconds: z.number(),
      start: instant,
      stop: instant.nullish(),
    }),
  ),
})
export const TogglReportRows = z.array(TogglReportRow)

/** `GET /api/v9/workspaces/{workspace_id}/tags` (https://engineering.toggl.com/docs/api/tags); null when there are none. */
export const TogglTags = z.array(z.object({ id: z.number(), name: z.string() })).nullable()
