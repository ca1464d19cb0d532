/** zod schemas of the Exist v2 answers we read (unknown fields are ignored). */
import { z } from 'zod'

export const ExistProfile = z.object({
  username: z.string().min(1),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  timezone: z.string().min(1),
})
export type ExistProfile = z.output<typeof ExistProfile>

export const ExistAttribute = z.object({
  name: z.string(),
  label: z.string(),
  template: z.string().nullish(),
  value_type: z.number(),
  group: z.object({ name: z.string(), label: z.string().optional() }).nullish(),
  service: z.object({ name: z.string(), label: z.string() }).nullish(),
  active: z.union([z.boolean(), z.string()]).optional(),
})
export type ExistAttribute = z.output<typeof ExistAttribute>

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ count: z.number().optional(), next: z.string().nullish(), results: z.array(item) })

export const ExistAttributeWithValues = ExistAttribute.extend({
  values: z.array(z.object({ date: z.string(), value: z.number().nullable() })),
})

const WriteSuccess = z.object({
  name: z.string(),
  date: z.string().optional(),
  value: z.unknown().optional(),
})
const WriteFailure = z.object({
  name: z.string().optional(),
  title: z.string().optional(),
  template: z.string().optional(),
  date: z.string().optional(),
  error_code: z.string().optional(),
  error: z.string().optional(),
})
export type WriteFailure = z.output<typeof WriteFailure>

export const WriteResponse = z.object({
  success: z.array(WriteSuccess).default([]),
  failed: z.array(WriteFailure).default([]),
})
export type WriteResponse = z.output<typeof WriteResponse>

export const OAuthToken = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
})
export type OAuthToken = z.output<typeof OAuthToken>
