// Fan-out frames each message once and writes the same bytes to every follower: check those bytes are
// valid WebSocket frames at every header size (7-bit, 16-bit and 64-bit lengths), that multi-byte
// UTF-8 survives, and that a follower which negotiated compression still gets its messages through ws.
import { afterEach, expect, test } from 'vitest'
import { textFrame } from '#core/connections/frame-writer'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { rawSocket, sendGarbage } from './support.ts'

let hub: TestHub | undefined
afterEach(() => hub?.close())

test('textFrame writes RFC 6455 headers for each length class', () => {
  const frameOf = (n: number) => textFrame('a'.repeat(n))
  expect([...frameOf(5).subarray(0, 2)]).toEqual([0x81, 5])
  expect([...frameOf(125).subarray(0, 2)]).toEqual([0x81, 125])
  expect([...frameOf(126).subarray(0, 4)]).toEqual([0x81, 126, 0, 126])
  expect([...frameOf(65535).subarray(0, 4)]).toEqual([0x81, 126, 0xff, 0xff])
  expect([...frameOf(65536).subarray(0, 10)]).toEqual([0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0])
  expect(frameOf(70000).length).toBe(70010)
  expect(frameOf(70000).subarray(10).every((b) => b === 0x61)).toBe(true)
})

test('followers with and without compression receive every size of message intact, in order', async () => {
  hub = await startHub({
    ws: { perMessageDeflate: true },
    limits: { maxFrameBytes: 400_000, maxMessageLength: 100_000 },
  })
  const alice = await hub.connect('alice')
  await alice.create('general')
  const plain = await rawSocket(hub.url, { perMessageDeflate: false })
  const deflate = await rawSocket(hub.url, { perMessageDeflate: true })
  expect(plain.headers['sec-websocket-extensions']).toBeUndefined()
  expect(deflate.headers['sec-websocket-extensions']).toContain('permessage-deflate')
  for (const [socket, name] of [
    [plain, 'bob'],
    [deflate, 'carol'],
  ] as const) {
    await socket.auth(hub.token(name))
    socket.ws.send(JSON.stringify({ type: 'join', ref: 'j', room: 'general' }))
    await socket.next((f) => f.type === 'ack' && f.ref === 'j')
  }
  // Frames around each header boundary, counted in bytes of the JSON: ü is two bytes, € three, and
  // a control character is escaped to six (\u0001), so 16000 of them (the protocol's cap on
  // characters) make a frame past 64 KiB.
  const texts = ['hi', 'ü'.repeat(60), 'x'.repeat(200), '€'.repeat(16_000), '\u0001'.repeat(16_000)]
  for (const text of texts) await alice.say('general', text)
  for (const socket of [plain, deflate]) {
    const seen = await Promise.all(texts.map((_, i) => socket.next((f) => f.type === 'message' && f.seq === i + 1)))
    expect(seen.map((f) => (f as { text: string }).text)).toEqual(texts)
    expect(Buffer.byteLength(JSON.stringify(seen.at(-1)))).toBeGreaterThan(65_535)
  }
  plain.ws.close()
  deflate.ws.close()
  await sendGarbage(alice)
})
