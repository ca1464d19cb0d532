/** drizzle-kit: generates the SQL migrations in drizzle/ from src/store/schema.ts (used by Node and by wrangler d1). */
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/schema.ts',
  out: './drizzle',
})
