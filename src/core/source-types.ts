/** What every time source (Toggl, Clockify) gives the sync: its account with projects, and time entries in a range. */
import type { TimeEntry } from './bucket-minutes.ts'

export type { TimeEntry }

/** The time sources Timebridge reads, in the order pages list them. */
export const SOURCES = ['toggl', 'clockify'] as const
export type Source = (typeof SOURCES)[number]

export interface SourceProject {
  /** `toggl:<id>` / `clockify:<id>`. */
  project: string
  name: string
  workspaceId: string
  workspaceName: string
  clientName: string | null
  color: string | null
  archived: boolean
}

export interface SourceAccount {
  source: Source
  accountId: string
  /** Display name of the source account, for messages. */
  label: string
  projects: SourceProject[]
  /** Anything the source needs cached between runs (e.g. Clockify workspace ids), JSON-serialisable. */
  meta: unknown
  /**
   * Sources that read per workspace (Clockify): the workspaces listed, and those that refused us
   * (HTTP 403, e.g. the user left a team workspace). Their cached projects are kept, marked inaccessible.
   */
  workspaces?: { listed: string[]; inaccessible: string[] }
}

/** Time entries of a range, and the workspaces that refused to give theirs (skipped, not fatal). */
export interface EntriesRead {
  entries: TimeEntry[]
  /** Workspaces read successfully (per-workspace sources only). */
  readWorkspaces: string[]
  inaccessibleWorkspaces: string[]
}

export interface SourceReader {
  readonly source: Source
  /**
   * Validates the credential and lists the account's projects; `tags` also reads the tag names
   * when entries carry only tag ids (Clockify), otherwise the cached ones are kept.
   */
  account(opts?: { tags?: boolean }): Promise<SourceAccount>
  /** Entries that may overlap [fromMs, toMs). */
  entries(fromMs: number, toMs: number): Promise<EntriesRead>
  /** Requests made so far (for run summaries and the quota budget). */
  readonly requests: number
}
