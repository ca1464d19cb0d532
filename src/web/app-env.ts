/** The Hono environment of the web app: what the middleware in create-app.tsx puts on every request (routes read the user with `mustUser`). */
import type { Deps } from '../deps.ts'
import type { User } from '../store/user-store.ts'
import type { Flash, Session } from './session.ts'

export interface AppEnv {
  Variables: {
    deps: Deps
    session: Session
    /** The signed-in user, loaded fresh from the database on every request. */
    user: User | null
    /** The CSRF token for this session, put into every form. */
    csrf: string
    flash: Flash | null
  }
}
