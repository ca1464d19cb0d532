/** The environment as a zod schema: parsed once at start-up and passed in, never read from globals. */
import { Cron } from 'croner'
import { z } from 'zod'

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional()

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535')

const baseUrl = z
  .url({ error: 'must be an absolute http(s) URL' })
  .refine((u) => /^https?:\/\//.test(u), 'must be an absolute http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''))

const cron = z.string().refine((expr) => {
  try {
    new Cron(expr, { paused: true }).stop()
    return true
  } catch {
    return false
  }
}, 'is not a valid cron expression')

const days = (max: number) => z.coerce.number().int('must be a whole number').min(1).max(max)

export const EnvSchema = z
  .object({
    DATABASE_PATH: z.string().min(1).default('./data/timebridge.db'),
    SECRET_KEY: optionalString.pipe(
      z.string().min(32, 'must be at least 32 characters (e.g. 64 hex digits)').optional(),
    ),
    PORT: port.default(3000),
    PUBLIC_URL: optionalString.pipe(baseUrl.optional()),
    EXIST_CLIENT_ID: optionalString,
    EXIST_CLIENT_SECRET: optionalString,
    EXIST_URL: baseUrl.default('https://exist.io'),
    TOGGL_URL: baseUrl.default('https://api.track.toggl.com'),
    CLOCKIFY_URL: baseUrl.default('https://api.clockify.me'),
    SYNC_SCHEDULE: cron.default('40 * * * *'),
    // Exist accepts at most 31 days per with-values read; the window stays within that.
    SYNC_DAYS: days(31).default(14),
    RETENTION_DAYS: days(366).default(21),
    CLIENT_IP_HEADER: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9-]+$/, 'must be a header name such as X-Forwarded-For')
        .optional(),
    ),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.EXIST_CLIENT_ID) !== Boolean(env.EXIST_CLIENT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.EXIST_CLIENT_ID ? 'EXIST_CLIENT_SECRET' : 'EXIST_CLIENT_ID'],
        message: 'EXIST_CLIENT_ID and EXIST_CLIENT_SECRET must be set together',
      })
    }
    if (env.RETENTION_DAYS < env.SYNC_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETENTION_DAYS'],
        message: 'must be at least SYNC_DAYS (the ledger must outlive the window)',
      })
    }
  })

export interface Config {
  databasePath: string
  /** Absent on Node until the entry generates or loads ./data/secret.key. */
  secretKey: string | undefined
  port: number
  publicUrl: string
  existOAuth: { clientId: string; clientSecret: string } | undefined
  existUrl: string
  togglUrl: string
  clockifyUrl: string
  syncSchedule: string
  syncDays: number
  retentionDays: number
  /** The header a trusted reverse proxy puts the client's address in; unset: the connection's peer. */
  clientIpHeader: string | undefined
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Parses a record of environment variables; throws one readable line per bad variable. */
export function parseEnv(record: Record<string, unknown>): Config {
  const picked = pickKnown(record)
  const parsed = EnvSchema.safeParse(picked)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const name = issue.path.join('.') || 'environment'
    const raw = picked[name]
    // Never echo the secret back, even when it is merely too short.
    const value = typeof raw === 'string' && name !== 'SECRET_KEY' ? ` (got "${raw}")` : ''
    throw new ConfigError(`Invalid ${name}${value}: ${issue.message}`)
  }
  const env = parsed.data
  return {
    databasePath: env.DATABASE_PATH,
    secretKey: env.SECRET_KEY,
    port: env.PORT,
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
    existOAuth:
      env.EXIST_CLIENT_ID && env.EXIST_CLIENT_SECRET
        ? { clientId: env.EXIST_CLIENT_ID, clientSecret: env.EXIST_CLIENT_SECRET }
        : undefined,
    existUrl: env.EXIST_URL,
    togglUrl: env.TOGGL_URL,
    clockifyUrl: env.CLOCKIFY_URL,
    syncSchedule: env.SYNC_SCHEDULE,
    syncDays: env.SYNC_DAYS,
    retentionDays: env.RETENTION_DAYS,
    clientIpHeader: env.CLIENT_IP_HEADER,
  }
}

const KNOWN = [
  'DATABASE_PATH',
  'SECRET_KEY',
  'PORT',
  'PUBLIC_URL',
  'EXIST_CLIENT_ID',
  'EXIST_CLIENT_SECRET',
  'EXIST_URL',
  'TOGGL_URL',
  'CLOCKIFY_URL',
  'SYNC_SCHEDULE',
  'SYNC_DAYS',
  'RETENTION_DAYS',
  'CLIENT_IP_HEADER',
] as const

// Workers hand bindings (D1, queues) in the same record as strings: keep only our variables,
// and treat empty strings as unset so `PORT=` behaves like no PORT at all.
function pickKnown(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of KNOWN) {
    const v = record[key]
    if (v !== undefined && v !== '') out[key] = v
  }
  return out
}
