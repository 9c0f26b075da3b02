#!/usr/bin/env node
// The package's command. Runs the compiled JavaScript when it exists (the production image), and
// the TypeScript sources through tsx otherwise (a checkout after `npm install`).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const compiled = join(root, 'dist/src/cli/main.js')
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href)
} else {
  const tsx = await import('tsx/esm/api').catch(() => {
    process.stderr.write(
      'rental-ledger: no compiled build (npm run build) and no tsx (a dev dependency) to run the sources\n',
    )
    process.exit(1)
  })
  tsx.register()
  await import(pathToFileURL(join(root, 'src/cli/main.ts')).href)
}
