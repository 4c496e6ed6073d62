// What may leave through a bridge: no NUL anywhere; no CR or LF in any field of a line-based network.
import { expect, test } from 'vitest'
import type { BridgeCapabilities, OutboundItem } from '#core/bridges/contract'
import { safeOutbound } from '#core/bridges/safe-text'

const caps = (multiline: boolean): BridgeCapabilities => ({
  edits: false,
  deletes: false,
  reactions: false,
  threads: false,
  maxLength: 350,
  multiline,
  attachments: false,
  encryption: false,
})

const FORBIDDEN = /[\0\r\n]/

test('a line-based network gets one line per part and no CR, LF or NUL in any field', () => {
  const item: OutboundItem = {
    type: 'message',
    seq: 3,
    from: 'eve\0\r\nQUIT@webhook',
    parts: ['hi\rPRIVMSG #other :pwned', 'a\0b\r\nc', '\r\n'],
    replyTo: { seq: 1, from: 'bob\rx@irc' },
    attachments: [{ name: 'f\r.txt', mime: 'text/plain', size: 1, url: 'http://h/a\n' }],
  }
  const out = safeOutbound(item, caps(false))
  expect(out).toMatchObject({
    from: 'eve QUIT@webhook',
    parts: ['hi', 'PRIVMSG #other :pwned', 'ab', 'c'],
    replyTo: { seq: 1, from: 'bob x@irc' },
  })
  expect(JSON.stringify(out)).not.toMatch(/\\u0000|\\r|\\n/)
  for (const part of out.type === 'message' ? out.parts : []) expect(part).not.toMatch(FORBIDDEN)
  // Nothing left: one empty part, never a line holding a break.
  expect(safeOutbound({ ...item, parts: ['\0\r\n'] }, caps(false))).toMatchObject({ parts: [''] })
  expect(
    safeOutbound({ type: 'edit', seq: 3, from: 'a', text: 'x\ry', remoteId: 'r' }, caps(false)),
  ).toMatchObject({ text: 'x y' })
})

test('a multi-line network keeps line breaks (CR LF and lone CR become LF) but never a NUL', () => {
  const out = safeOutbound(
    { type: 'message', seq: 1, from: 'alice', parts: ['one\r\ntwo\rthree\0'] },
    caps(true),
  )
  expect(out).toMatchObject({ parts: ['one\ntwo\nthree'] })
})
