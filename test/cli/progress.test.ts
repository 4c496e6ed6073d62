// The progress line: drawn on a terminal, silent otherwise (pipes, --json), cleared when done.
import { expect, test } from 'vitest'
import { progressLine } from '#cli/progress'

const fakeStream = (isTTY: boolean) => {
  const writes: string[] = []
  return { isTTY, writes, write: (t: string) => writes.push(t) }
}

test('shows phase and percentage on a TTY and clears the line at the end', () => {
  const tty = fakeStream(true)
  const line = progressLine(true, tty)
  line.onProgress(0, 'kdf')
  line.onProgress(0.5, 'embed')
  line.done()
  expect(tty.writes.join('')).toMatch(/deriving key/)
  expect(tty.writes.join('')).toMatch(/embedding… 50%/)
  expect(tty.writes.at(-1)).toBe('\r\u001b[K')
})

test('silent when not a TTY or with --json', () => {
  const pipe = fakeStream(false)
  const a = progressLine(true, pipe)
  a.onProgress(0.5, 'embed')
  a.done()
  const tty = fakeStream(true)
  const b = progressLine(false, tty)
  b.phase('upload')
  b.done()
  expect([...pipe.writes, ...tty.writes]).toEqual([])
})
