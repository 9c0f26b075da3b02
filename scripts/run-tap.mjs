// Runs the tap suite and closes with the plain line `N passed, N failed` that CI counts tests by,
// taken from tap's own `# { total, pass, fail }` summary. The exit code is tap's.
import { spawn } from 'node:child_process'

const args = process.argv.slice(2)
const child = spawn('npx', ['tap', ...args], { stdio: ['inherit', 'pipe', 'inherit'] })
let summary
let tail = ''
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  tail = (tail + chunk.toString()).slice(-4096)
  const m = tail.match(/# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/)
  if (m) summary = { pass: Number(m[2] ?? 0), fail: Number(m[3] ?? 0) }
})
child.on('close', (code, signal) => {
  if (summary) console.log(`\n${summary.pass} passed, ${summary.fail} failed`)
  else console.log('\n0 passed, 1 failed (tap printed no summary)')
  process.exit(code ?? (signal ? 1 : 0))
})
