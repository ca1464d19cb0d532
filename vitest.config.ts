/** Vitest settings: every *.test.ts under tests/ runs in Node. */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: { include: ['tests/**/*.test.ts'] },
})
