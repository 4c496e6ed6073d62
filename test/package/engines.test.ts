// The Node.js floor is one number: package.json's `engines.node`, which every installed package
// accepts (so `npm install` warns of no engine there) and which the README states.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const read = (file: string) =>
  readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), 'utf8')

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>
}

const COMPARATOR = /^\s*(>=|\^)?\s*(\*|\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?\s*$/

/** One `engines` alternative's version parts; `undefined` for x, * or left out. */
const parse = (text: string): { op?: string; parts: (number | undefined)[] } => {
  const m = COMPARATOR.exec(text)
  if (!m) throw new Error(`a range this test does not read: "${text}"`)
  const [, op, ...parts] = m
  return {
    op,
    parts: parts.map((p) => (p === undefined || p === 'x' || p === '*' ? undefined : Number(p))),
  }
}

const compare = (a: number[], b: (number | undefined)[]): number => {
  for (let i = 0; i < 3; i++) if (a[i] !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0)
  return 0
}

/** npm's meaning of the forms package-lock.json holds: `||` of `>=V`, `^V`, `V`, `V.x` and `*`. */
const satisfies = (version: number[], range: string): boolean =>
  range.split('||').some((alternative) => {
    const { op, parts } = parse(alternative)
    if (parts[0] === undefined) return true
    if (op === '>=') return compare(version, parts) >= 0
    if (op === '^') return version[0] === parts[0] && compare(version, parts) >= 0
    return parts.every((p, i) => p === undefined || version[i] === p)
  })

const range = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node
const { op, parts } = parse(range)
const floor = parts.map((p) => p ?? 0)

test('every package in the lockfile runs on the lowest Node the package allows', () => {
  expect(op).toBe('>=')
  expect(floor[0]).toBe(20)
  const { packages } = JSON.parse(read('package-lock.json')) as Lock
  const refusing = Object.entries(packages)
    .filter(([path]) => path !== '')
    .map(([path, p]) => ({
      path,
      version: p.version,
      node: Array.isArray(p.engines) ? undefined : p.engines?.node,
    }))
    .filter((p) => p.node !== undefined && !satisfies(floor, p.node))
  expect(refusing).toEqual([])
})

test('the range reader: npm’s meaning of the forms it meets', () => {
  expect(satisfies([20, 19, 0], '>=22')).toBe(false)
  expect(satisfies([20, 9, 0], '>= 20.19.0')).toBe(false)
  expect(satisfies([20, 19, 0], '^20.19.0 || >=22.12.0')).toBe(true)
  expect(satisfies([20, 19, 0], '18 || 20 || >=22')).toBe(true)
  expect(satisfies([20, 19, 0], '20.x || 22.x')).toBe(true)
  expect(satisfies([20, 19, 0], '^18.18.0 || >=21.1.0')).toBe(false)
  expect(satisfies([20, 19, 0], '*')).toBe(true)
})

test('the README states the same floor', () => {
  expect(read('README.md')).toContain(`Node.js ${floor[0]}.${floor[1]} or newer`)
})
