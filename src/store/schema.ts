/** The tables, shared by SQLite on Node and D1 on Workers; drizzle-kit writes the migrations in drizzle/ from this file. */
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { RULE_KINDS } from '../core/rules.ts'
import { SOURCES } from '../core/source-types.ts'

const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' })
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`

/** One row per Exist account: the Exist username is the identity, `id` is what the CLI prints. */
export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  existUsername: text('exist_username').notNull().unique(),
  timezone: text('timezone').notNull(),
  timezoneCheckedAt: timestamp('timezone_checked_at').notNull(),
  existAuth: text('exist_auth', { enum: ['personal', 'oauth'] }).notNull(),
  /** Sealed with the SecretBox; never plaintext. */
  existToken: text('exist_token').notNull(),
  existRefreshToken: text('exist_refresh_token'),
  existTokenExpiresAt: timestamp('exist_token_expires_at'),
  syncing: integer('syncing', { mode: 'boolean' }).notNull().default(true),
  /** Why syncing stopped (e.g. Exist refused the token), shown to the user. */
  stoppedReason: text('stopped_reason'),
  /** A quota answer asked us to wait: no run before this instant. */
  retryAfter: timestamp('retry_after'),
  /**
   * Held while a run is under way, so no user is synced twice at once (across processes too):
   * expires unless its run renews it; the owner (JSON: host, pid namespace, pid, process start,
   * run id) lets a run on the same host take over at once from a process that is gone.
   */
  leaseUntil: timestamp('lease_until'),
  /** When Exist was last read back (drift check), successful or not: the daily check is due a day later. */
  existCheckedAt: timestamp('exist_checked_at'),
  /** Why the last drift check could not read Exist (null when it succeeded). */
  existCheckError: text('exist_check_error'),
  /** Opt-in: the daily check repairs the days where Exist differs from what Timebridge sent. */
  repairDrift: integer('repair_drift', { mode: 'boolean' }).notNull().default(false),
  /** In every session cookie; bumped at sign-in, sign-out and Disconnect so older cookies stop working. */
  sessionVersion: integer('session_version').notNull().default(0),
  leaseOwner: text('lease_owner'),
  leaseStartedAt: timestamp('lease_started_at'),
  createdAt: timestamp('created_at').notNull().default(now),
  updatedAt: timestamp('updated_at').notNull().default(now),
})

/**
 * A time source of a user. A source that refused its token is paused (`pausedAt` set, credential
 * gone, mappings and projects kept) until the user connects the same account again; after
 * PAUSE_LIMIT_MS it is disconnected and keeps its row (without credential) so the user learns why.
 */
export const sourceConnections = sqliteTable(
  'source_connections',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    source: text('source', { enum: SOURCES }).notNull(),
    /** Sealed API token / key; null once the source was disconnected. */
    credential: text('credential'),
    /** Source-side account id (Toggl user id, Clockify user id). */
    accountId: text('account_id'),
    /** Clockify data region; null for the global host. */
    region: text('region'),
    /** Source metadata we cache (e.g. Clockify workspace ids), JSON. */
    meta: text('meta'),
    connected: integer('connected', { mode: 'boolean' }).notNull().default(true),
    reason: text('reason'),
    /** When the source refused its token and was paused; null when connected or disconnected. */
    pausedAt: timestamp('paused_at'),
    projectsRefreshedAt: timestamp('projects_refreshed_at'),
    updatedAt: timestamp('updated_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.source] })],
)

/** Cached source projects (refreshed daily or on demand), so a normal run needs no project request. */
export const projects = sqliteTable(
  'projects',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `toggl:<id>` or `clockify:<id>`. */
    project: text('project').notNull(),
    source: text('source', { enum: SOURCES }).notNull(),
    name: text('name').notNull(),
    workspaceId: text('workspace_id').notNull(),
    workspaceName: text('workspace_name').notNull(),
    clientName: text('client_name'),
    color: text('color'),
    archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
    /** Its workspace refused us (Clockify 403, e.g. the user left it): not read, its attributes held. */
    inaccessible: integer('inaccessible', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.userId, t.project] })],
)

/** Which Exist attribute a project feeds. Several projects may feed one attribute. */
export const mappings = sqliteTable(
  'mappings',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    project: text('project').notNull(),
    attribute: text('attribute').notNull(),
    createdAt: timestamp('created_at').notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.project] }),
    index('mappings_attribute').on(t.userId, t.attribute),
  ],
)

/**
 * Ordered mapping rules (by project, tag, client, workspace or description): evaluated before the
 * project mappings above, first match wins. `position` is 1-based and dense per user.
 */
export const rules = sqliteTable(
  'rules',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    kind: text('kind', { enum: RULE_KINDS }).notNull(),
    value: text('value').notNull(),
    attribute: text('attribute').notNull(),
    createdAt: timestamp('created_at').notNull().default(now),
  },
  (t) => [index('rules_user').on(t.userId, t.position)],
)

/** Exist attributes we acquired for a user; `refused` when another service took the attribute. */
export const attributes = sqliteTable(
  'attributes',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    attribute: text('attribute').notNull(),
    label: text('label').notNull(),
    status: text('status', { enum: ['owned', 'refused'] })
      .notNull()
      .default('owned'),
    error: text('error'),
    updatedAt: timestamp('updated_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.attribute] })],
)

/** The ledger: minutes Exist holds from us per (user, attribute, local date), and whether that is still unconfirmed. */
export const userData = sqliteTable(
  'user_data',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    attribute: text('attribute').notNull(),
    date: text('date').notNull(),
    value: integer('value').notNull(),
    pending: integer('pending', { mode: 'boolean' }).notNull().default(false),
    error: text('error'),
    updatedAt: timestamp('updated_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.attribute, t.date] })],
)

/**
 * What Exist held per (user, attribute, local date) when it was last read back (the drift check), kept
 * current by the writes Exist confirmed since, so the status page can compare it with the ledger offline.
 */
export const existValues = sqliteTable(
  'exist_values',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    attribute: text('attribute').notNull(),
    date: text('date').notNull(),
    /** Minutes Exist holds; null when it has no value for the day (the same as 0 for durations). */
    value: integer('value'),
    checkedAt: timestamp('checked_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.attribute, t.date] })],
)

/** Run history shown on the status page and by `status`. */
export const runs = sqliteTable(
  'runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    trigger: text('trigger').notNull(),
    status: text('status').notNull(),
    startedAt: timestamp('started_at').notNull(),
    finishedAt: timestamp('finished_at').notNull(),
    /** JSON: what was read, written and refused (see RunSummary). */
    summary: text('summary').notNull(),
    error: text('error'),
  },
  (t) => [index('runs_user').on(t.userId, t.id)],
)

/**
 * Fixed-window counters for the token-checking forms (sign-in, connect). In the database, not in
 * memory: Workers isolates and Node processes share one count, so the limit holds on both runtimes.
 */
export const rateLimits = sqliteTable('rate_limits', {
  /** What is counted, e.g. `ip:203.0.113.7` or `user:12`. */
  key: text('key').primaryKey(),
  /** Epoch ms at which the current window began. */
  windowStart: integer('window_start').notNull(),
  hits: integer('hits').notNull(),
})

/**
 * A user's history import (one at a time): the days before the sync window it covers, how far it
 * got (`next_date`, advanced once per chunk whose writes Exist confirmed: a restart redoes at most
 * one chunk, harmlessly, since every write is an absolute update), and what it spent this clock hour.
 */
export const historyImports = sqliteTable('history_imports', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  since: text('since').notNull(),
  until: text('until').notNull(),
  /** The first day not yet imported; null once every day is. */
  nextDate: text('next_date'),
  daysTotal: integer('days_total').notNull(),
  daysDone: integer('days_done').notNull().default(0),
  status: text('status', { enum: ['running', 'done', 'cancelled', 'failed'] }).notNull(),
  /** JSON list of the attributes the import writes (named on the confirmation page). */
  attributes: text('attributes').notNull(),
  written: integer('written').notNull().default(0),
  refused: integer('refused').notNull().default(0),
  error: text('error'),
  /** JSON: requests made in all, per API. */
  requests: text('requests').notNull().default('{}'),
  /** The clock hour (epoch ms at its start) `used` counts for; JSON requests per API in it. */
  budgetHour: integer('budget_hour').notNull().default(0),
  used: text('used').notNull().default('{}'),
  /** Clock hours in which the import ran, for the ETA. */
  hoursUsed: integer('hours_used').notNull().default(0),
  /** Not before this instant (the budget of this hour is spent, or an API asked to wait). */
  resumeAt: timestamp('resume_at'),
  /** A runner holds the import until then, so two processes never run it at once. */
  leaseUntil: timestamp('lease_until'),
  /** JSON LeaseOwner of the runner: a runner on the same host takes over at once from a process that is gone. */
  leaseOwner: text('lease_owner'),
  startedAt: timestamp('started_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
})
