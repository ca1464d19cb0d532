/** `node scripts/bench/profile-top.mjs FILE.cpuprofile [N]`: the N functions with the most self time in a `node --cpu-prof` profile. */
import { readFileSync } from 'node:fs'

const [file, n = '25'] = process.argv.slice(2)
if (!file) throw new Error('usage: node scripts/bench/profile-top.mjs FILE.cpuprofile [N]')
const profile = JSON.parse(readFileSync(file, 'utf8'))
const selfUs = new Map()
for (const [i, id] of profile.samples.entries()) {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
const byFrame = new Map()
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame
  const where = url
    ? `${url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}`
    : ''
  const key = `${functionName || '(anonymous)'} ${where}`.trim()
  byFrame.set(key, (byFrame.get(key) ?? 0) + (selfUs.get(node.id) ?? 0))
}
const rows = [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, Number(n))
process.stdout.write(`total ${(total / 1000).toFixed(0)} ms sampled\n`)
for (const [key, us] of rows)
  process.stdout.write(
    `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}\n`,
  )
