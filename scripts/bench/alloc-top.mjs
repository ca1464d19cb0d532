/** `node scripts/bench/alloc-top.mjs FILE.heapprofile [N]`: where a pass allocated (bench --profile-alloc), by function and by call path. */
import { readFileSync } from 'node:fs'

const [file, n = '25'] = process.argv.slice(2)
if (!file) throw new Error('usage: node scripts/bench/alloc-top.mjs FILE.heapprofile [N]')
const profile = JSON.parse(readFileSync(file, 'utf8'))
const bytesOf = new Map()
for (const s of profile.samples) bytesOf.set(s.nodeId, (bytesOf.get(s.nodeId) ?? 0) + s.size)
const byFrame = new Map()
const byPath = new Map()
let total = 0
const walk = (node, path) => {
  const { functionName, url, lineNumber } = node.callFrame
  const name = functionName || '(anonymous)'
  const where = url
    ? `${url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}`
    : ''
  const bytes = bytesOf.get(node.id) ?? 0
  const here = [...path, name]
  total += bytes
  const frame = `${name} ${where}`.trim()
  byFrame.set(frame, (byFrame.get(frame) ?? 0) + bytes)
  if (bytes) {
    const key = here.slice(-5).join(' > ')
    byPath.set(key, (byPath.get(key) ?? 0) + bytes)
  }
  for (const child of node.children) walk(child, here)
}
walk(profile.head, [])
const print = (rows) => {
  for (const [key, bytes] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, Number(n)))
    process.stdout.write(
      `${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${(bytes / 2 ** 20).toFixed(1).padStart(7)} MB  ${key}\n`,
    )
}
process.stdout.write(`total ${(total / 2 ** 20).toFixed(0)} MB allocated (sampled)\n`)
print(byFrame)
process.stdout.write('by call path (last five frames):\n')
print(byPath)
