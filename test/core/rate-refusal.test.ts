// Frames over the per-connection rate are refused before they are decoded or parsed: each is
// answered CHATHUB_RATE_LIMITED (with the ref read from its raw bytes), and a client that keeps
// flooding spends its allowance and is closed 4030 — nothing it had answered is lost, nobody else notices.
import { afterEach, expect, test } from 'vitest'
import { FLOOD_ALLOWANCE_PER_BURST } from '#core/connections/connection'
import { CloseCodes, type ErrorFrame, type ServerFrame } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { rawSocket, readAllHistory } from './support.ts'

let hub: TestHub | undefined
afterEach(() => hub?.close())

const answerTo = (frames: ServerFrame[], ref: string) =>
  frames.find((f) => (f.type === 'ack' || f.type === 'error') && f.ref === ref)

test('a frame over the rate is refused unread: even one that is not JSON gets CHATHUB_RATE_LIMITED with its ref', async () => {
  // One frame every 10 s after a burst of 3: nothing refills during the test.
  hub = await startHub({ limits: { messagesPerSecond: 0.1, messageBurst: 3 } })
  const raw = await rawSocket(hub.url)
  await raw.auth(hub.token('alice'))
  raw.ws.send(JSON.stringify({ type: 'rooms', ref: 'ok1' }))
  raw.ws.send(JSON.stringify({ type: 'rooms', ref: 'ok2' }))
  // Parsed, this would be CHATHUB_FRAME_MALFORMED without a ref; refused unread, its ref is echoed.
  raw.ws.send('{"type":"rooms","ref":"late-1", this is not JSON')
  raw.ws.send('{"type":"say","text":"\\"ref\\":\\"no\\"","ref" : "late-2","room":"x","txn":"t"}')
  raw.ws.send('{"type":"rooms"}')
  expect(await raw.next((f) => f.type === 'ack' && f.ref === 'ok2')).toBeTruthy()
  for (const ref of ['late-1', 'late-2']) {
    const refused = (await raw.next((f) => f.type === 'error' && f.ref === ref)) as ErrorFrame
    expect(refused).toMatchObject({ code: 'CHATHUB_RATE_LIMITED' })
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1)
  }
  const unnamed = (await raw.next((f) => f.type === 'error' && f.ref === undefined)) as ErrorFrame
  expect(unnamed.code).toBe('CHATHUB_RATE_LIMITED')
  expect(raw.frames.some((f) => f.type === 'error' && f.code !== 'CHATHUB_RATE_LIMITED')).toBe(
    false,
  )
  expect(raw.ws.readyState).toBe(raw.ws.OPEN)
})

test('a flood over the rate is answered unread until its allowance is spent, then closed 4030; others are unaffected', async () => {
  // Enough for each client's auth and the two requests it makes; nothing refills during the test.
  const burst = 4
  hub = await startHub({ limits: { messagesPerSecond: 0.1, messageBurst: burst } })
  const alice = await hub.connect('alice')
  await alice.create('room')
  const bob = await hub.connect('bob')
  await bob.join('room')

  const flood = await rawSocket(hub.url)
  await flood.auth(hub.token('mallory'))
  flood.ws.send(JSON.stringify({ type: 'join', ref: 'join', room: 'room' }))
  for (const ref of ['rooms-1', 'rooms-2']) flood.ws.send(JSON.stringify({ type: 'rooms', ref }))
  const refs = Array.from({ length: 500 }, (_, i) => `f${i}`)
  for (const ref of refs) {
    flood.ws.send(JSON.stringify({ type: 'say', ref, room: 'room', text: ref, txn: ref }))
  }
  const code = await Promise.race([
    flood.closed,
    new Promise((r) => setTimeout(() => r('still open'), 5000)),
  ])
  expect(code).toBe(CloseCodes.frameFlood)

  // auth, join and rooms took the burst: every say was refused, none was parsed or stored.
  for (const ref of ['join', 'rooms-1', 'rooms-2'])
    expect(answerTo(flood.frames, ref)?.type).toBe('ack')
  const answered = refs.filter((ref) => answerTo(flood.frames, ref))
  expect(answered.length).toBe(burst * FLOOD_ALLOWANCE_PER_BURST)
  // Nothing before the close was left unanswered: the answered refs are the first ones, in order.
  expect(answered).toEqual(refs.slice(0, answered.length))
  for (const ref of answered)
    expect(answerTo(flood.frames, ref)).toMatchObject({ code: 'CHATHUB_RATE_LIMITED' })

  const sentinel = await alice.say('room', 'sentinel')
  expect(await bob.next('message', (m) => m.seq === sentinel.seq)).toMatchObject({
    text: 'sentinel',
    seq: 1,
  })
  expect((await readAllHistory(bob, 'room')).map((m) => m.text)).toEqual(['sentinel'])
})
