// The one back-off helper: doubling from min to max, jitter within its share, reset after success.
import { expect, test } from 'vitest'
import { Backoff, backoffDelay } from '#core/backoff'

test('delays double from minMs and stop at maxMs; without randomness they are the bare doubling', () => {
  const noJitter = () => 0
  expect([0, 1, 2, 3, 4, 5, 60].map((a) => backoffDelay(a, { minMs: 100, maxMs: 1000 }, noJitter))).toEqual([
    100, 200, 400, 800, 1000, 1000, 1000,
  ])
})

test('jitter takes at most its share off a delay, never adds to it', () => {
  for (const r of [0, 0.25, 0.5, 0.999]) {
    const d = backoffDelay(3, { minMs: 100, maxMs: 10_000, jitter: 0.5 }, () => r)
    expect(d).toBeLessThanOrEqual(800)
    expect(d).toBeGreaterThanOrEqual(400)
  }
  expect(backoffDelay(3, { minMs: 100, maxMs: 10_000, jitter: 0.5 }, () => 0.5)).toBe(600)
})

test('a Backoff counts its retries and starts over after reset()', () => {
  const b = new Backoff({ minMs: 10, maxMs: 1000, jitter: 0 })
  expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40])
  expect(b.attempts).toBe(3)
  b.reset()
  expect(b.next()).toBe(10)
})
