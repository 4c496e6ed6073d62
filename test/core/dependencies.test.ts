// Dependencies with known holes stay excluded (issue 2): ws >= 8.21.0, drizzle-orm >= 0.45.2, and the
// native modules stay on the majors that run on Node 20.
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

// Read the installed manifest directly: some packages do not export ./package.json.
const version = (pkg: string): number[] =>
  (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version
    .split('.')
    .map(Number)

const atLeast = (v: number[], min: number[]) => {
  for (let i = 0; i < min.length; i++) {
    if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > (min[i] as number)
  }
  return true
}

test.each([
  ['ws', [8, 21, 0]],
  ['drizzle-orm', [0, 45, 2]],
])('%s is at least the fixed version', (pkg, min) => {
  expect(atLeast(version(pkg), min)).toBe(true)
})

test('better-sqlite3 is 12.x and isolated-vm 5.x (newer majors need a newer Node)', () => {
  expect(version('better-sqlite3')[0]).toBe(12)
  expect(version('isolated-vm')[0]).toBe(5)
})
