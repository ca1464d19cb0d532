/** The Hono environment of the web app: what the middleware puts on every request. */
import type { Deps } from '../deps.ts'
import type { User } from '../users/user-store.ts'
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

/** The signed-in user's variables, after `requireUser` ran. */
export interface UserEnv extends AppEnv {
  Variables: AppEnv['Variables'] & { user: User }
}
