/** Connect: validates every token against its API first, then creates or updates the user in one atomic batch. */

import { ApiError, SERVICE_LABEL } from '../clients/api-client.ts'
import {
  ClockifyRegionSchema,
  clockifyBase,
  clockifyReader,
} from '../clients/clockify/clockify-client.ts'
import { type ExistClient, existClient } from '../clients/exist/exist-client.ts'
import { authorizeUrl, exchangeCode, type OAuthClient } from '../clients/exist/exist-oauth.ts'
import type { ExistProfile } from '../clients/exist/exist-schemas.ts'
import { togglReader } from '../clients/toggl/toggl-client.ts'
import { InputError } from '../core/input-error.ts'
import { isValidZone } from '../core/local-window.ts'
import type { Source, SourceAccount, SourceReader } from '../core/source-types.ts'
import type { Deps } from '../deps.ts'
import {
  attributeRows,
  deleteMapping,
  forgetAttributes,
  mappingRows,
} from '../store/attribute-store.ts'
import { atomically, type Statement } from '../store/database.ts'
import { replaceProjects } from '../store/project-cache.ts'
import {
  findConnection,
  findUser,
  type UserRef,
  upsertConnection,
  upsertUser,
  userIdByUsername,
  userRefByUsername,
} from '../store/user-store.ts'
import { existFor } from './exist-session.ts'
import { releaseAttributes } from './release-attributes.ts'
import { PURPOSE } from './source-readers.ts'

export type ExistAuth =
  | { kind: 'personal'; token: string }
  | { kind: 'oauth'; token: string; refreshToken: string; expiresAt: number }

/** "Sign in with Exist": the Exist page to send the browser to, carrying our anti-forgery state. */
export function existSignInUrl(deps: Deps, client: OAuthClient, state: string): string {
  return authorizeUrl(deps.config, client, state)
}

/** The code Exist sent back to the callback, swapped for the user's OAuth pair (then `connectUser`). */
export async function existAuthFromCode(
  deps: Deps,
  client: OAuthClient,
  code: string,
): Promise<ExistAuth> {
  return { kind: 'oauth', ...(await exchangeCode(deps, client, code)) }
}

export interface SourceCredentials {
  togglToken?: string
  clockifyKey?: string
  /** Clockify data region of the key (`global` when omitted). */
  clockifyRegion?: string
}

/** A validated source account with the credential (and region) that opened it. */
export interface CheckedSource {
  account: SourceAccount
  credential: string
  region?: string | null
}

export interface ConnectResult {
  user: number
  exist_username: string
  timezone: string
  created: boolean
  sources: SourceOutcome[]
}

/**
 * What connecting a source did to what was there before. The same account (paused or not) keeps
 * every mapping: `resumed` says it was paused. Another account keeps only the mappings of projects
 * it can see too (a shared team workspace); the others are removed like an unmap (attributes no
 * longer mapped are released, Exist keeps their values), because they name projects whose time
 * this account cannot read.
 */
export interface SourceOutcome {
  source: Source
  account: string
  projects: number
  resumed: boolean
  other_account: boolean
  /** Mappings removed because the newly connected account has no such project. */
  unmapped: string[]
  released: string[]
}

export async function connectUser(
  deps: Deps,
  auth: ExistAuth,
  creds: SourceCredentials = {},
): Promise<ConnectResult> {
  const profile = await checkExist(deps, auth.token)
  const accounts: CheckedSource[] = []
  if (creds.togglToken !== undefined) accounts.push(await checkToggl(deps, creds.togglToken))
  if (creds.clockifyKey !== undefined)
    accounts.push(await checkClockify(deps, creds.clockifyKey, creds.clockifyRegion))
  return saveConnection(deps, profile, auth, accounts)
}

export async function checkToggl(deps: Deps, token: string): Promise<CheckedSource> {
  const credential = requireToken(token, 'togglToken')
  return {
    account: await checkSource(togglReader(deps, deps.config.togglUrl, credential), 'togglToken'),
    credential,
  }
}

export async function checkClockify(
  deps: Deps,
  key: string,
  region = 'global',
): Promise<CheckedSource> {
  const parsed = ClockifyRegionSchema.safeParse(region)
  if (!parsed.success)
    throw new InputError(
      `Clockify region "${region}" ${parsed.error.issues[0]!.message}`,
      'clockifyRegion',
    )
  const credential = requireToken(key, 'clockifyKey')
  const reader = clockifyReader(
    deps,
    clockifyBase(deps.config.clockifyUrl, parsed.data),
    credential,
  )
  return {
    account: await checkSource(reader, 'clockifyKey'),
    credential,
    region: parsed.data === 'global' ? null : parsed.data,
  }
}

/** Adds or replaces sources of an existing user (web UI "Connect Toggl"), validated the same way. */
export async function connectSources(
  deps: Deps,
  userId: number,
  accounts: CheckedSource[],
): Promise<SourceOutcome[]> {
  const user = await findUser(deps.db, userId)
  if (!user) throw new InputError(`No user ${userId}`, 'user')
  const plan = await sourceStatements(deps, userId, accounts)
  await atomically(deps.db, plan.statements)
  return release(deps, plan.outcomes, () => existFor(deps, user))
}

/** Hands back attributes an account switch left without a mapping (best effort, after the batch). */
async function release(
  deps: Deps,
  outcomes: SourceOutcome[],
  exist: () => Promise<ExistClient>,
): Promise<SourceOutcome[]> {
  const names = outcomes.flatMap((o) => o.released)
  if (names.length) {
    try {
      await releaseAttributes(await exist(), names, deps.log)
    } catch (error) {
      deps.log.warn('release_failed', { error: String(error) })
    }
  }
  return outcomes
}

export async function checkSource(reader: SourceReader, field: string): Promise<SourceAccount> {
  const label = SERVICE_LABEL[reader.source]
  try {
    return await reader.account()
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'auth') {
      throw new InputError(
        `${label} refused this token: copy it again from your profile page`,
        field,
      )
    }
    if (error instanceof ApiError)
      throw new InputError(`Could not check the ${label} token: ${error.message}`, field)
    throw error
  }
}

async function checkExist(deps: Deps, token: string): Promise<ExistProfile> {
  const exist = existClient(deps, deps.config.existUrl, requireToken(token, 'existToken'))
  let profile: ExistProfile
  try {
    profile = await exist.profile()
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'auth') {
      throw new InputError(`Exist refused this token: copy it again from Exist`, 'existToken')
    }
    if (error instanceof ApiError)
      throw new InputError(`Could not check the Exist token: ${error.message}`, 'existToken')
    throw error
  }
  if (!isValidZone(profile.timezone)) {
    throw new InputError(`Exist reports an unknown time zone "${profile.timezone}"`, 'existToken')
  }
  return profile
}

function requireToken(token: string, field: string): string {
  const t = token.trim()
  if (t.length < 8 || /\s/.test(t))
    throw new InputError('That does not look like an API token', field)
  return t
}

/** Stores a user whose Exist profile and source accounts were already checked (the benchmark seeds users through it too). */
export async function saveConnection(
  deps: Deps,
  profile: ExistProfile,
  auth: ExistAuth,
  accounts: CheckedSource[],
): Promise<ConnectResult> {
  const { db, box } = deps
  const now = new Date(deps.now())
  const existing = await userIdByUsername(db, profile.username)
  const tokenFields = {
    timezone: profile.timezone,
    timezoneCheckedAt: now,
    existAuth: auth.kind,
    existToken: await box.seal(auth.token, PURPOSE.existToken),
    existRefreshToken:
      auth.kind === 'oauth' ? await box.seal(auth.refreshToken, PURPOSE.existRefresh) : null,
    existTokenExpiresAt: auth.kind === 'oauth' ? new Date(auth.expiresAt) : null,
    syncing: true,
    stoppedReason: null,
    retryAfter: null,
    updatedAt: now,
  }
  // The user id may not exist yet: later statements of the batch find it by username.
  const userId = userRefByUsername(profile.username)
  const plan = await sourceStatements(deps, existing ?? userId, accounts)
  await atomically(db, [upsertUser(db, profile.username, tokenFields), ...plan.statements])
  const saved = (await userIdByUsername(db, profile.username))!
  deps.log.info('user_connected', { user: saved, sources: accounts.map((a) => a.account.source) })
  return {
    user: saved,
    exist_username: profile.username,
    timezone: profile.timezone,
    created: existing === undefined,
    sources: await release(deps, plan.outcomes, async () =>
      existClient(deps, deps.config.existUrl, auth.token),
    ),
  }
}

async function sourceStatements(
  deps: Deps,
  userId: UserRef,
  accounts: CheckedSource[],
): Promise<{ statements: Statement[]; outcomes: SourceOutcome[] }> {
  const { db, box } = deps
  const now = new Date(deps.now())
  const statements: Statement[] = []
  const outcomes: SourceOutcome[] = []
  for (const { account, credential, region } of accounts) {
    const fields = {
      credential: await box.seal(credential, PURPOSE.source(account.source)),
      accountId: account.accountId,
      region: region ?? null,
      connected: true,
      reason: null,
      pausedAt: null,
      updatedAt: now,
    }
    const outcome: SourceOutcome = {
      source: account.source,
      account: account.label,
      projects: account.projects.length,
      resumed: false,
      other_account: false,
      unmapped: [],
      released: [],
    }
    if (typeof userId === 'number')
      statements.push(...(await accountSwitch(deps, userId, account, outcome)))
    statements.push(
      upsertConnection(db, userId, account.source, fields),
      ...replaceProjects(db, userId, account, deps.now()),
    )
    outcomes.push(outcome)
  }
  return { statements, outcomes }
}

/** Compares the account being connected with the one connected (or paused) before; see SourceOutcome. */
async function accountSwitch(
  deps: Deps,
  userId: number,
  account: SourceAccount,
  outcome: SourceOutcome,
): Promise<Statement[]> {
  const { db } = deps
  const before = await findConnection(db, userId, account.source)
  if (!before?.accountId) return []
  if (before.accountId === account.accountId) {
    outcome.resumed = Boolean(before.pausedAt)
    return []
  }
  outcome.other_account = true
  const maps = await mappingRows(db, userId)
  const visible = new Set(account.projects.map((p) => p.project))
  const dropped = maps.filter(
    (m) => m.project.startsWith(`${account.source}:`) && !visible.has(m.project),
  )
  if (dropped.length === 0) return []
  const kept = new Set(maps.filter((m) => !dropped.includes(m)).map((m) => m.attribute))
  const orphaned = (await attributeRows(db, userId))
    .map((a) => a.attribute)
    .filter((a) => !kept.has(a))
  outcome.unmapped = dropped.map((m) => m.project)
  outcome.released = orphaned
  deps.log.info('source_account_changed', {
    user: userId,
    source: account.source,
    unmapped: dropped.length,
  })
  return [
    ...dropped.map((m) => deleteMapping(db, userId, m.project)),
    ...forgetAttributes(db, userId, orphaned),
  ]
}
