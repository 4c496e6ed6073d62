import { expect, test } from 'vitest'
import { formatMessage, plural } from '#cli/format'

const base = { room: 'general', seq: 7, from: 'alice', text: 'look', ts: Date.UTC(2026, 0, 2, 3, 4) }

test('a message line shows its attachments with name, size and id', () => {
  const line = formatMessage({
    ...base,
    attachments: [{ id: 'a1b2', name: 'cat.png', mime: 'image/png', size: 2048 }],
  })
  expect(line).toMatch(/^#7 .* alice: look \[cat\.png, 2\.0 KiB, a1b2\]$/)
})

test('a deleted message shows neither text nor attachments', () => {
  const line = formatMessage({
    ...base,
    text: null,
    deletedAt: base.ts,
    attachments: [{ id: 'a1b2', name: 'cat.png', mime: 'image/png', size: 10 }],
  })
  expect(line).toMatch(/alice: \(deleted\)$/)
})

test('plural: one of a thing, any other number of things', () => {
  expect([0, 1, 2].map((n) => plural(n, 'message'))).toEqual(['0 messages', '1 message', '2 messages'])
  expect(plural(1, 'reply', 'replies')).toBe('1 reply')
  expect(plural(3, 'reply', 'replies')).toBe('3 replies')
})
