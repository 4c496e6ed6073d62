// IRC formatting codes <-> markdown, and the IRC line parser (RFC 2812 §2.3.1).
import { expect, test } from 'vitest'
import { ircToMarkdown, markdownToIrc } from '#plugins/irc/formatting'
import { nextNick, parseLine } from '#plugins/irc/irc-client'

test('IRC codes become markdown; colours are dropped', () => {
  expect(
    ircToMarkdown('\x02bold\x02 \x1Dit\x1D \x0304,01red\x03 \x1Estrike\x1E \x11code\x11'),
  ).toBe('**bold** _it_ red ~~strike~~ `code`')
  expect(ircToMarkdown('\x02unclosed')).toBe('**unclosed**')
  expect(ircToMarkdown('\x02\x02empty')).toBe('empty')
})

test('markdown becomes IRC codes, leaving snake_case alone', () => {
  expect(markdownToIrc('**bold** and _it_ and `x` and ~~s~~')).toBe(
    '\x02bold\x02 and \x1Dit\x1D and \x11x\x11 and \x1Es\x1E',
  )
  expect(markdownToIrc('snake_case_name 2*3*4')).toBe('snake_case_name 2*3*4')
})

test('lines parse with tags, prefix and trailing parameter', () => {
  expect(parseLine('@msgid=abc :bob!~b@host PRIVMSG #chan :hello there')).toMatchObject({
    tags: { msgid: 'abc' },
    nick: 'bob',
    command: 'PRIVMSG',
    params: ['#chan', 'hello there'],
  })
  expect(parseLine('PING :irc.example')).toMatchObject({ command: 'PING', params: ['irc.example'] })
})

test('433: the next nick stays within the server limit', () => {
  expect(nextNick('relay', 'relay', 30)).toBe('relay_')
  expect(nextNick('relay_', 'relay', 30)).toBe('relay1')
  expect(nextNick('relay1', 'relay', 30)).toBe('relay2')
  expect(nextNick('abcdefghi', 'abcdefghi', 9)).toBe('abcdefgh_')
})
