/** What every time source (Toggl, Clockify) gives the sync: its account with projects, and time entries in a range. */
import type { TimeEntry } from '../bucketing/bucket-minutes.ts'
import type { Source } from '../db/schema.ts'

export type { TimeEntry }

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

/** Bad or unknown user input: the CLI prints it as one line, the web UI next to the field. */
export class InputError extends Error {
  override name = 'InputError'
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}
