/** The command line: parses flags strictly, runs one command, prints JSON (--json) or text, one-line errors. */
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { connectUser } from '../accounts/connect-user.ts'
import { disconnectSource, disconnectUser } from '../accounts/disconnect.ts'
import { mapProject } from '../accounts/map-project.ts'
import { addRule, listRules, moveRule, removeRule } from '../accounts/mapping-rules.ts'
import { createDurationAttribute } from '../accounts/new-attribute.ts'
import { listProjects, refreshProjects } from '../accounts/project-list.ts'
import { purgeAll, statusOf } from '../accounts/user-status.ts'
import { ApiError } from '../clients/api-client.ts'
import { InputError } from '../core/input-error.ts'
import { parseMatch } from '../core/rules.ts'
import type { Source } from '../core/source-types.ts'
import type { Deps } from '../deps.ts'
import { ConfigError } from '../shared/env.ts'
import { mappingRows } from '../store/attribute-store.ts'
import { getUser } from '../store/user-store.ts'
import { clearThenUnmap } from '../sync/clear-attributes.ts'
import { checkUser, repairUser } from '../sync/exist-check.ts'
import {
  cancelHistoryImport,
  runHistoryImport,
  startHistoryImport,
} from '../sync/history-import.ts'
import { syncAll } from '../sync/sync-all.ts'
import { syncUser } from '../sync/sync-user.ts'
import { zeroOut } from '../sync/zero-out.ts'
import * as text from './text-output.ts'

export interface CliIo {
  out(text: string): void
  err(text: string): void
  /** Opens the runtime (env, database); deferred so `--help` and flag errors need no database. */
  open(): Promise<Runtime>
  /** `serve` keeps running until this resolves. */
  serve(deps: Deps): Promise<void>
  /** Where `connect` finds tokens not given as flags (EXIST_TOKEN, TOGGL_TOKEN, CLOCKIFY_KEY). */
  env?: Record<string, string | undefined>
  /** All of stdin, for token flags given as `-`. */
  readStdin?(): Promise<string>
}

type Options = NonNullable<ParseArgsConfig['options']>
export interface Runtime {
  deps: Deps
  close(): void
  /** A consistent online copy of the database to `file` (SQLite on Node only). */
  backup?(file: string): Promise<{ file: string; bytes: number; pages: number }>
}

interface Command {
  summary: string
  usage: string
  options: Options
  /** The one positional argument the command takes (`backup FILE`), by name. */
  positional?: string
  run(
    deps: Deps,
    flags: Flags,
    io: CliIo,
    extra: { runtime: Runtime; positional?: string },
  ): Promise<{ json: unknown; text: string }>
}
type Flags = Record<string, string | boolean | undefined>

const str = { type: 'string' } as const
const user = { user: str }

const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'web UI and the hourly schedule (what `npm start` runs)',
    usage: 'serve',
    options: {},
    run: async () => ({ json: null, text: '' }),
  },
  connect: {
    summary: 'create or update the user of an Exist token, with their time sources',
    usage:
      'connect --exist-token T|- [--toggl-token T|-] [--clockify-key K|- [--clockify-region global|eu|us|uk|au]] (or EXIST_TOKEN, TOGGL_TOKEN, CLOCKIFY_KEY in the environment)',
    options: {
      'exist-token': str,
      'toggl-token': str,
      'clockify-key': str,
      'clockify-region': str,
    },
    async run(deps, f, io) {
      const t = await tokens(f, io)
      if (f['clockify-region'] !== undefined && t['clockify-key'] === undefined) {
        throw new UsageError('--clockify-region needs --clockify-key (or CLOCKIFY_KEY)')
      }
      const existToken = t['exist-token']
      if (existToken === undefined)
        throw new UsageError('--exist-token is required (or EXIST_TOKEN in the environment)')
      const result = await connectUser(
        deps,
        { kind: 'personal', token: existToken },
        {
          togglToken: t['toggl-token'],
          clockifyKey: t['clockify-key'],
          clockifyRegion: f['clockify-region'] as string | undefined,
        },
      )
      return { json: result, text: text.connected(result) }
    },
  },
  projects: {
    summary: 'source projects with their mapping',
    usage: 'projects --user ID [--refresh]',
    options: { ...user, refresh: { type: 'boolean' } },
    async run(deps, f) {
      const id = userId(f)
      await getUser(deps.db, id)
      if (f.refresh) await refreshProjects(deps, id)
      const list = await listProjects(deps, id)
      return { json: list, text: text.projects(list) }
    },
  },
  map: {
    summary:
      'map a project to an Exist attribute (none unmaps; --clear sets an attribute that stops syncing to 0 first)',
    usage: 'map --user ID --project toggl:123 --attribute productive_min|none [--clear]',
    options: { ...user, project: str, attribute: str, clear: { type: 'boolean' } },
    async run(deps, f) {
      const id = userId(f)
      const project = required(f, 'project')
      const raw = required(f, 'attribute')
      const attribute = raw === 'none' ? null : raw
      if (!f.clear) {
        const result = await mapProject(deps, id, project, attribute)
        return { json: result, text: text.mapped(result) }
      }
      // The attribute this project alone feeds stops syncing: zero its window days, then unmap.
      const maps = await mappingRows(deps.db, id)
      const previous = maps.find((m) => m.project === project)?.attribute
      const stops =
        previous &&
        previous !== attribute &&
        !maps.some((m) => m.project !== project && m.attribute === previous)
          ? [previous]
          : []
      const { cleared, result } = await clearThenUnmap(deps, id, stops, () =>
        mapProject(deps, id, project, attribute),
      )
      return { json: { ...result, cleared }, text: text.mapped(result, cleared) }
    },
  },
  rules: {
    summary: 'the ordered mapping rules (first match wins; project mappings come after the rules)',
    usage: 'rules --user ID',
    options: user,
    async run(deps, f) {
      const list = await listRules(deps, userId(f))
      return { json: list, text: text.rules(list) }
    },
  },
  'rule add': {
    summary:
      'add a rule: project:toggl:123, tag:NAME, client:NAME, workspace:NAME|ID or description:TEXT',
    usage:
      'rule add --user ID --match tag:reading --attribute reading_min|--new-attribute "Deep work" [--position N]',
    options: { ...user, match: str, attribute: str, 'new-attribute': str, position: str },
    async run(deps, f) {
      const id = userId(f)
      const match = parseMatch(required(f, 'match'))
      if ((f.attribute === undefined) === (f['new-attribute'] === undefined))
        throw new UsageError('give either --attribute or --new-attribute')
      const position = f.position === undefined ? undefined : wholeNumber(f, 'position')
      await getUser(deps.db, id)
      // Exist has no way to delete an attribute: refuse a bad position before creating one.
      const ruleCount = (await listRules(deps, id)).filter((r) => r.from === 'rule').length
      if (position !== undefined && position > ruleCount + 1)
        throw new UsageError(`Position must be a whole number from 1 to ${ruleCount + 1}`)
      // A new attribute is created first (Exist answers with its name), then taken like any other.
      const created =
        f['new-attribute'] === undefined
          ? null
          : await createDurationAttribute(deps, id, required(f, 'new-attribute'))
      const attribute = created?.name ?? required(f, 'attribute').trim()
      const result = await addRule(deps, id, { ...match, attribute }, position)
      const json = created ? { ...result, created: created.name } : result
      return { json, text: text.ruleChange(result) }
    },
  },
  'rule move': {
    summary: 'move the rule at one position to another',
    usage: 'rule move --user ID --position N --to M',
    options: { ...user, position: str, to: str },
    async run(deps, f) {
      const result = await moveRule(
        deps,
        userId(f),
        wholeNumber(f, 'position'),
        wholeNumber(f, 'to'),
      )
      return { json: result, text: text.ruleChange(result) }
    },
  },
  'rule remove': {
    summary: 'remove the rule at a position (see `rules`)',
    usage: 'rule remove --user ID --position N',
    options: { ...user, position: str },
    async run(deps, f) {
      const result = await removeRule(deps, userId(f), wholeNumber(f, 'position'))
      return { json: result, text: text.ruleChange(result) }
    },
  },
  sync: {
    summary: 'one run now, for one user or all',
    usage: 'sync [--user ID]',
    options: user,
    async run(deps, f) {
      const reports =
        f.user === undefined ? await syncAll(deps, 'cli') : [await syncUser(deps, userId(f), 'cli')]
      return { json: { users: reports }, text: text.reports(reports) }
    },
  },
  'zero-out': {
    summary: 'set every mapped attribute to 0 for the window, then re-send everything',
    usage: 'zero-out --user ID',
    options: user,
    async run(deps, f) {
      const report = await zeroOut(deps, userId(f), 'cli')
      return {
        json: report,
        text: `Zeroed ${report.zeroed} day values.\n${text.reports([report])}`,
      }
    },
  },
  'import-history': {
    summary:
      'import the days from --since (up to 5 years back) to the window as absolute updates, paced within a third of each hourly quota; run again (or let the schedule) to carry on',
    usage: 'import-history --user ID --since YYYY-MM-DD | --cancel',
    options: { ...user, since: str, cancel: { type: 'boolean' } },
    async run(deps, f) {
      const id = userId(f)
      if (f.cancel) {
        const status = await cancelHistoryImport(deps, id)
        return { json: { user: id, import: status }, text: text.historyImport(status) }
      }
      await startHistoryImport(deps, id, required(f, 'since'))
      const { status } = await runHistoryImport(deps, id)
      return { json: { user: id, import: status }, text: text.historyImport(status) }
    },
  },
  check: {
    summary:
      'read the window back from Exist (2 requests) and show the days that differ from what was sent',
    usage: 'check --user ID',
    options: user,
    async run(deps, f) {
      const id = userId(f)
      const report = await checkUser(deps, id)
      return { json: report, text: text.checked(report, (await getUser(deps.db, id)).timezone) }
    },
  },
  repair: {
    summary: 'send an absolute update for exactly the days the last check found different',
    usage: 'repair --user ID',
    options: user,
    async run(deps, f) {
      const report = await repairUser(deps, userId(f), 'cli')
      return { json: report, text: text.repaired(report) }
    },
  },
  disconnect: {
    summary: 'delete a user (or one source) and release the attributes',
    usage: 'disconnect --user ID [--source toggl|clockify]',
    options: { ...user, source: str },
    async run(deps, f) {
      const id = userId(f)
      const source = f.source as string | undefined
      if (source !== undefined && source !== 'toggl' && source !== 'clockify') {
        throw new InputError(`--source must be toggl or clockify (got "${source}")`)
      }
      const result = source
        ? await disconnectSource(deps, id, source as Source)
        : await disconnectUser(deps, id)
      return { json: result, text: text.disconnected(result) }
    },
  },
  purge: {
    summary: 'ledger retention now',
    usage: 'purge',
    options: {},
    async run(deps) {
      const result = await purgeAll(deps)
      return {
        json: result,
        text: `Purged ledger rows past retention for ${result.users} user(s).`,
      }
    },
  },
  backup: {
    summary: 'a consistent online copy of the SQLite database (safe while the server runs)',
    usage: 'backup FILE',
    options: {},
    positional: 'FILE',
    async run(_deps, _f, _io, { runtime, positional }) {
      if (!runtime.backup)
        throw new UsageError('backup works on the SQLite database of a Node install only')
      const result = await runtime.backup(positional!)
      return {
        json: result,
        text: `Backed up ${result.pages} pages (${result.bytes} bytes) to ${result.file}.`,
      }
    },
  },
  status: {
    summary: 'users, sources, mappings and last runs',
    usage: 'status [--user ID]',
    options: user,
    async run(deps, f) {
      const result = await statusOf(deps, f.user === undefined ? undefined : userId(f))
      return { json: result, text: text.status(result) }
    },
  },
}

class UsageError extends Error {}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let [name, ...rest] = argv
  // `rule add|move|remove`: the sub-command is part of the command's name.
  if (name === 'rule' && rest[0] && !rest[0].startsWith('-')) name = `rule ${rest.shift()}`
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(help())
    return name ? 0 : 2
  }
  const command = COMMANDS[name]
  if (!command) {
    io.err(`timebridge: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`)
    return 2
  }
  let flags: Flags
  let positional: string | undefined
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: command.positional !== undefined,
    })
    flags = parsed.values as Flags
    if (command.positional !== undefined && !parsed.values.help) {
      if (parsed.positionals.length !== 1) {
        throw new Error(
          `${command.positional} is required, once (got ${parsed.positionals.length})`,
        )
      }
      positional = parsed.positionals[0]
    }
  } catch (error) {
    io.err(`timebridge ${name}: ${firstLine((error as Error).message)} (usage: ${command.usage})`)
    return 2
  }
  if (flags.help) {
    io.out(`usage: npm run --silent cli -- ${command.usage} [--json]\n${command.summary}`)
    return 0
  }

  let runtime: Runtime | undefined
  try {
    // Before the database is opened: a mistyped or missing --user on a fresh machine must not
    // leave a data folder, a key and an empty database behind.
    if ('user' in command.options && (flags.user !== undefined || !USER_OPTIONAL.has(name)))
      userId(flags)
    runtime = await io.open()
    if (name === 'serve') {
      await io.serve(runtime.deps)
      return 0
    }
    const result = await command.run(runtime.deps, flags, io, { runtime, positional })
    io.out(flags.json ? JSON.stringify(result.json, null, 2) : result.text)
    return 0
  } catch (error) {
    io.err(`timebridge ${name}: ${describe(error)}`)
    return error instanceof UsageError ? 2 : 1
  } finally {
    runtime?.close()
  }
}

function describe(error: unknown): string {
  if (
    error instanceof InputError ||
    error instanceof ConfigError ||
    error instanceof ApiError ||
    error instanceof UsageError
  ) {
    return firstLine(error.message)
  }
  return firstLine(error instanceof Error ? error.message : String(error))
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim()
}

function required(f: Flags, name: string): string {
  const v = f[name]
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name} is required`)
  return v
}

function wholeNumber(f: Flags, name: string): number {
  const raw = required(f, name).trim()
  if (!/^[1-9]\d{0,5}$/.test(raw))
    throw new UsageError(`--${name} must be a whole number from 1 (got "${raw}")`)
  return Number(raw)
}

/** Commands that act on every user when --user is left out. */
const USER_OPTIONAL = new Set(['sync', 'status'])

function userId(f: Flags): number {
  const raw = required(f, 'user')
  const id = Number(raw.trim())
  // 9007199254740993 would silently become …992: another user's id.
  if (!/^[1-9]\d*$/.test(raw.trim()) || !Number.isSafeInteger(id)) {
    throw new UsageError(
      `--user must be a user id, a whole number from 1 to ${Number.MAX_SAFE_INTEGER} (got "${raw}")`,
    )
  }
  return id
}

/** Token flags and the environment variables that stand in for them. */
const TOKEN_SOURCES = [
  ['exist-token', 'EXIST_TOKEN'],
  ['toggl-token', 'TOGGL_TOKEN'],
  ['clockify-key', 'CLOCKIFY_KEY'],
] as const
type TokenFlag = (typeof TOKEN_SOURCES)[number][0]

/**
 * Tokens from flags, stdin or the environment, so they need not show in `ps`: a flag given as `-`
 * reads one line of stdin (several such flags read one line each, in the order above); a flag not
 * given falls back to its environment variable.
 */
async function tokens(f: Flags, io: CliIo): Promise<Partial<Record<TokenFlag, string>>> {
  const piped = TOKEN_SOURCES.filter(([flag]) => f[flag] === '-').map(([flag]) => flag)
  let lines: string[] = []
  if (piped.length > 0) {
    if (!io.readStdin) throw new UsageError('this runtime has no stdin to read tokens from')
    lines = (await io.readStdin())
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
    if (lines.length !== piped.length) {
      const names = piped.map((p) => `--${p}`).join(', ')
      throw new UsageError(
        `stdin must hold ${piped.length} line(s), one token for each of ${names} given as "-" (got ${lines.length})`,
      )
    }
  }
  const out: Partial<Record<TokenFlag, string>> = {}
  for (const [flag, variable] of TOKEN_SOURCES) {
    const given = f[flag]
    const value =
      given === '-' ? lines.shift() : typeof given === 'string' ? given : io.env?.[variable]
    if (
      given !== undefined &&
      given !== '-' &&
      (typeof given !== 'string' || given.trim() === '')
    ) {
      throw new UsageError(`--${flag} is empty`)
    }
    if (value !== undefined && value.trim() !== '') out[flag] = value.trim()
  }
  return out
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length))
  const lines = Object.entries(COMMANDS).map(
    ([k, c]) => `  ${k.padEnd(width)}  ${c.summary}\n  ${' '.repeat(width)}  ${c.usage}`,
  )
  return `usage: npm run --silent cli -- <command> [options] [--json]\n\ncommands:\n${lines.join('\n')}`
}
