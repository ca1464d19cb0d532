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
}

export interface SourceReader {
  readonly source: Source
  /** Validates the credential and lists the account's projects. */
  account(): Promise<SourceAccount>
  /** Entries that may overlap [fromMs, toMs). */
  entries(fromMs: number, toMs: number): Promise<TimeEntry[]>
  /** Requests made so far (for run summaries and the quota budget). */
  readonly requests: number
}
