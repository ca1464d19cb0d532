/** Opening a sealed token: a token sealed under another SECRET_KEY becomes an error that says what to do. */
import { SERVICE_LABEL } from '../clients/api-client.ts'
import type { Source } from '../core/source-types.ts'
import type { Deps } from '../deps.ts'
import { SecretBoxError } from '../shared/secret-box.ts'

/** A saved token sealed under another SECRET_KEY: only connecting again helps. */
export class UnreadableCredential extends Error {
  override name = 'UnreadableCredential'
  constructor(readonly service: Source | 'exist') {
    const label = SERVICE_LABEL[service]
    super(
      service === 'exist'
        ? `The saved Exist token can't be read: SECRET_KEY changed since it was saved. Sign in again (or run connect again)`
        : `The saved ${label} token can't be read: SECRET_KEY changed since it was saved. Connect ${label} again (Sources page, or the connect command)`,
    )
  }
}

export async function openSecret(
  deps: Deps,
  sealed: string,
  purpose: string,
  service: Source | 'exist',
): Promise<string> {
  try {
    return await deps.box.open(sealed, purpose)
  } catch (error) {
    if (error instanceof SecretBoxError) throw new UnreadableCredential(service)
    throw error
  }
}
