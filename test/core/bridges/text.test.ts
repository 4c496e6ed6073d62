// Text shaping for bridges: splitting to byte limits, short correction and reaction lines.
import { expect, test } from 'vitest'
import { correctionLine, reactionLine, splitText } from '#core/bridges/text'

test('splitText keeps parts within the byte limit, at word breaks, never inside a character', () => {
  const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ')
  const parts = splitText(words, 50)
  expect(parts.length).toBeGreaterThan(1)
  for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(50)
  expect(parts.join(' ')).toBe(words)
  const emoji = '😀'.repeat(30) // 4 bytes each
  const split = splitText(emoji, 10)
  for (const p of split) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(10)
  expect(split.join('')).toBe(emoji)
})

test('splitText without multi-line support gives each line its own part', () => {
  expect(splitText('one\ntwo\r\n\nthree', 100, false)).toEqual(['one', 'two', 'three'])
  // A lone CR ends a line too (IRC servers treat it so).
  expect(splitText('one\rPRIVMSG #x :two', 100, false)).toEqual(['one', 'PRIVMSG #x :two'])
  expect(splitText('one\ntwo', 100, true)).toEqual(['one\ntwo'])
})

test('correctionLine says what changed, not the whole message', () => {
  expect(correctionLine('meet at teh station at noon', 'meet at the station at noon')).toBe(
    'correction: "teh" → "the"',
  )
  expect(correctionLine('see you', 'see you tomorrow')).toBe('correction: added "tomorrow"')
  expect(correctionLine('see you tomorrow', 'see you')).toBe('correction: removed "tomorrow"')
  expect(correctionLine(null, 'new text')).toBe('correction: new text')
})

test('reactionLine fills the configured format with the emoji, whose message and its first words on one line', () => {
  const r = { emoji: '🎉', to: 'bob@irc', text: 'we shipped\nit   today' }
  expect(reactionLine('reacted {emoji} to {to}: "{excerpt}"', r)).toBe('reacted 🎉 to bob@irc: "we shipped it today"')
  expect(reactionLine('[{emoji}] {excerpt} ({to}) {unknown}', r)).toBe('[🎉] we shipped it today (bob@irc) {unknown}')
  const long = reactionLine('{excerpt}', { ...r, text: 'x'.repeat(200) })
  expect(long).toHaveLength(60)
  expect(long.endsWith('…')).toBe(true)
})
