/** Types for the workerd tests: the env they see (the Worker's bindings plus the migrations vitest.config.ts reads), the main module, and what global setup provides. */
import type { D1Migration } from 'cloudflare:test'
import type { WorkerEnv } from '../../src/entry/worker.ts'
import type { LoopbackPerson } from '../helpers/workerd-global-setup.ts'

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[]
      TOGGL_URL: string
      EXIST_URL: string
      SECRET_KEY: string
    }
    interface GlobalProps {
      mainModule: typeof import('../../src/entry/worker.ts')
    }
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    loopbackToggl: string
    loopbackExist: string
    loopbackPerson: LoopbackPerson
  }
}
