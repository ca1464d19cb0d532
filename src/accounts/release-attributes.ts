/** Handing attributes back to Exist when nothing of the user's feeds them any more. */
import { EXIST_BATCH, type ExistClient } from '../clients/exist/exist-client.ts'
import type { Logger } from '../shared/log.ts'

/** Hands attributes back to Exist (best effort: a failure is logged and reported, never fatal). */
export async function releaseAttributes(
  exist: ExistClient,
  names: readonly string[],
  log: Logger,
): Promise<string[]> {
  const problems: string[] = []
  for (let i = 0; i < names.length; i += EXIST_BATCH) {
    const chunk = names.slice(i, i + EXIST_BATCH)
    try {
      const { body } = await exist.release(chunk)
      for (const f of body.failed)
        problems.push(`${f.name ?? '?'}: ${f.error ?? f.error_code ?? 'refused'}`)
    } catch (error) {
      problems.push(`${chunk.join(', ')}: ${(error as Error).message}`)
    }
  }
  if (problems.length) log.warn('release_failed', { problems })
  return problems
}
