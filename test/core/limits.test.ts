// Limits: frame size, UTF-8, message length, frame rate, connections per user and address, heartbeats,
// slow consumers, compression off by default, and a burst of garbage that leaves the connection usable.
import fc from 'fast-check'
import { afterEach, describe, expect, test } from 'vitest'
import type { WebSocket } from 'ws'
import type { ConfigInput } from '#core/config'
import { CloseCodes, MLS_FRAME_MAX, type ServerFrame } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { rawSocket, refusal, sendGarbage, waitFor } from './support.ts'

let hub: TestHub
const start = async (config: ConfigInput = {}) => (hub = await startHub(config))
afterEach(() => hub?.close())

describe('frames', () => {
  test('a frame over limits.maxFrameBytes closes the connection with 1009', async () => {
    await start({ limits: { maxFrameBytes: 2048 } })
    const alice = await hub.connect('alice')
    await sendGarbage(alice)
    await alice.create('room')
    alice.sendRaw(
      JSON.stringify({ type: 'say', ref: 'big', room: 'room', txn: 't', text: 'x'.repeat(3000) }),
    )
    expect(await alice.closed()).toBe(CloseCodes.tooBig)
  })

  test('above limits.maxFrameBytes only an authenticated `mls` frame is read; anything else closes with 1009', async () => {
    await start({ limits: { maxFrameBytes: 2048 } })
    // An `mls` frame over the limit reaches the hub and gets its error (this connection has no device).
    const alice = await hub.connect('alice')
    await alice.create('room')
    const data = 'A'.repeat(4000)
    const refused = await refusal(alice.request('mls', { room: 'room', txn: 't', data }))
    expect(refused.code).toBe('CHATHUB_E2E_DEVICE_REQUIRED')
    await alice.say('room', 'still connected')
    // Before auth, even an `mls` frame over the limit closes the connection unread.
    const stranger = await rawSocket(hub.url)
    stranger.ws.send(JSON.stringify({ type: 'mls', ref: 'm', room: 'room', txn: 't', data }))
    expect(await stranger.closed).toBe(CloseCodes.tooBig)
    // A binary frame over the limit, authenticated or not, too.
    const raw = await rawSocket(hub.url)
    await raw.auth(hub.token('alice'))
    raw.ws.send(Buffer.alloc(3000, 0x41), { binary: true })
    expect(await raw.closed).toBe(CloseCodes.tooBig)
    // An `mls` frame over MLS_FRAME_MAX is cut by the WebSocket layer.
    const huge = await rawSocket(hub.url)
    await huge.auth(hub.token('alice'))
    huge.ws.send(JSON.stringify({ type: 'mls', ref: 'm', room: 'room', txn: 't', data: 'A'.repeat(MLS_FRAME_MAX) }))
    expect(await huge.closed).toBe(CloseCodes.tooBig)
  })

  test('invalid UTF-8 in a text frame closes the connection with 1007', async () => {
    await start()
    const raw = await rawSocket(hub.url)
    await raw.auth(hub.token('alice'))
    raw.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false })
    expect(await raw.closed).toBe(CloseCodes.invalidPayload)
  })

  test('a message over limits.maxMessageLength gets CHATHUB_MESSAGE_TOO_LONG', async () => {
    await start({ limits: { maxMessageLength: 100 } })
    const alice = await hub.connect('alice')
    await alice.create('room')
    expect((await refusal(alice.say('room', 'y'.repeat(101)))).code).toBe(
      'CHATHUB_MESSAGE_TOO_LONG',
    )
    const first = await alice.say('room', 'y'.repeat(100))
    expect((await refusal(alice.edit('room', first.seq, 'z'.repeat(101)))).code).toBe(
      'CHATHUB_MESSAGE_TOO_LONG',
    )
    await sendGarbage(alice)
  })

  test('a connection over its frame rate gets CHATHUB_RATE_LIMITED with retryAfter, then recovers', async () => {
    await start({ limits: { messagesPerSecond: 5, messageBurst: 5 } })
    const alice = await hub.connect('alice')
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => alice.rooms()))
    const refused = results
      .filter((r) => r.status === 'rejected')
      .map((r) => r.reason as { code: string; retryAfter: number })
    // The auth frame took one token of the burst (one more may have refilled on a slow machine).
    const served = results.filter((r) => r.status === 'fulfilled').length
    expect([4, 5]).toContain(served)
    expect(refused).toHaveLength(8 - served)
    for (const e of refused) {
      expect(e.code).toBe('CHATHUB_RATE_LIMITED')
      expect(e.retryAfter).toBeGreaterThanOrEqual(1)
    }
    await waitFor(
      () =>
        alice.rooms().then(
          () => true,
          () => false,
        ),
      3000,
      100,
    )
  })
})

describe('connections', () => {
  test('more than limits.connectionsPerUser sockets for one user: the extra one is closed 4029', async () => {
    await start({ limits: { connectionsPerUser: 2 } })
    const a1 = await hub.connect('alice')
    await hub.connect('alice')
    const raw = await rawSocket(hub.url)
    raw.ws.send(JSON.stringify({ type: 'auth', ref: 'a', token: hub.token('alice') }))
    expect(await raw.next((f) => f.type === 'error')).toMatchObject({
      code: 'CHATHUB_TOO_MANY_CONNECTIONS',
      ref: 'a',
    })
    expect(await raw.closed).toBe(CloseCodes.tooManyConnections)
    // Another user is not affected, and closing one frees a slot.
    await hub.connect('bob')
    await a1.close()
    await waitFor(() => hub.hub.connections.size === 2)
    await sendGarbage(await hub.connect('alice'))
  })

  test('more than limits.connectionsPerAddress sockets from one address: the extra one is closed 4029', async () => {
    await start({ limits: { connectionsPerAddress: 3 } })
    await hub.connect('alice')
    const b = await hub.connect('bob')
    await rawSocket(hub.url)
    const fourth = await rawSocket(hub.url)
    expect(await fourth.closed).toBe(CloseCodes.tooManyConnections)
    await sendGarbage(b)
  })

  test('a client that does not answer pings is dropped after two heartbeats; one that does stays', async () => {
    await start({ limits: { heartbeatSeconds: 1 } })
    const mute = await rawSocket(hub.url, { autoPong: false })
    await mute.auth(hub.token('mute'))
    const alive = await hub.connect('alive')
    const started = Date.now()
    await mute.closed
    expect(Date.now() - started).toBeLessThan(5000)
    await waitFor(() => [...hub.hub.connections].every((c) => c.user?.name !== 'mute'))
    expect(alive.open).toBe(true)
    await sendGarbage(alive)
  })

  test('a slow consumer is disconnected once too many bytes are queued; the hub’s buffers stay bounded', async () => {
    const maxBufferedBytes = 65536
    await start({ limits: { maxBufferedBytes, maxMessageLength: 16000 } })
    const alice = await hub.connect('alice')
    const fast = await hub.connect('fast')
    await alice.create('room')
    await fast.join('room')
    const slow = await rawSocket(hub.url)
    await slow.auth(hub.token('slow'))
    slow.ws.send(JSON.stringify({ type: 'join', ref: 'j', room: 'room' }))
    await slow.next((f) => f.type === 'ack')
    ;(slow.ws as WebSocket & { _socket: { pause(): void; resume(): void } })._socket.pause()
    const serverSide = () => [...hub.hub.connections].find((c) => c.user?.name === 'slow')?.ws
    const text = 'z'.repeat(15000)
    let maxSeen = 0
    let sent = 0
    for (let batch = 0; batch < 400 && serverSide(); batch++) {
      const acks = await Promise.all(Array.from({ length: 20 }, () => alice.say('room', text)))
      sent = acks.at(-1)?.seq ?? sent
      maxSeen = Math.max(maxSeen, serverSide()?.bufferedAmount ?? 0)
    }
    await waitFor(() => !serverSide())
    // Bounded: at most the limit plus one group-committed batch (20 frames here).
    expect(maxSeen).toBeLessThanOrEqual(maxBufferedBytes + 20 * (text.length + 200))
    expect([...hub.hub.connections].map((c) => c.user?.name).sort()).toEqual(['alice', 'fast'])
    const metrics = await (await fetch(`${hub.url}/metrics`)).text()
    expect(metrics).toMatch(/^chathub_slow_consumers_total 1$/m)
    // Everyone else got everything.
    await fast.next('message', (m) => m.seq === sent)
    ;(slow.ws as WebSocket & { _socket: { resume(): void } })._socket.resume()
    expect([CloseCodes.slowConsumer, 1006]).toContain(await slow.closed)
    await sendGarbage(fast)
  })

  test('permessage-deflate is off unless configured', async () => {
    await start()
    const plain = await rawSocket(hub.url, { perMessageDeflate: true })
    expect(plain.headers['sec-websocket-extensions']).toBeUndefined()
    plain.ws.close()
    await hub.close()
    await start({ ws: { perMessageDeflate: true } })
    const deflate = await rawSocket(hub.url, { perMessageDeflate: true })
    expect(deflate.headers['sec-websocket-extensions']).toContain('permessage-deflate')
    deflate.ws.close()
  })
})

describe('garbage', () => {
  /** Frames of every type with wrong, missing or extra fields, plus random JSON and random text. */
  const garbageFrame = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json({ maxDepth: 4 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          type: fc.constantFrom(
            'auth',
            'join',
            'leave',
            'say',
            'edit',
            'delete',
            'history',
            'typing',
            'rooms',
            'members',
            'invite',
            'kick',
            'ban',
            'unban',
            'role',
            'create',
            'nope',
          ),
          ref: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null)),
          room: fc.oneof(
            fc.constantFrom('room', 'ROOM', '', '-x', 'a'.repeat(40)),
            fc.integer(),
            fc.array(fc.string()),
          ),
          text: fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.object()),
          seq: fc.oneof(
            fc.double(),
            fc.constantFrom(0, -1, 1e308, 2 ** 64, Number.MAX_SAFE_INTEGER + 2),
          ),
          since: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant('1')),
          user: fc.oneof(fc.string(), fc.constant('alice')),
          extra: fc.anything({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  )

  test('malformed JSON, unknown types, wrong field types, missing ref, arrays, huge numbers: each its code', async () => {
    await start()
    const alice = await hub.connect('alice')
    await alice.create('room')
    await sendGarbage(alice)
    const cases: [string, string][] = [
      [
        '{"type":"say","room":"room","text":"hi","txn":"t","ref":"huge","replyTo":1e400}',
        'CHATHUB_FRAME_INVALID',
      ],
      ['{"type":"edit","room":"room","seq":1.5,"text":"x","ref":"float"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"history","room":"room","limit":"10","ref":"str"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"say","room":"room","text":"","txn":"t","ref":"empty"}', 'CHATHUB_FRAME_INVALID'],
      [
        `{"type":"say","room":"room","text":"x","txn":"t","ref":"${'r'.repeat(65)}"}`,
        'CHATHUB_FRAME_INVALID',
      ],
      [`[${'['.repeat(5000)}${']'.repeat(5000)}]`, 'CHATHUB_FRAME_MALFORMED'],
      ['{"type":"edit","room":"room","seq":1e20,"text":"x","ref":"e20"}', 'CHATHUB_FRAME_INVALID'],
      ['{"type":"join","room":"room","since":1e300,"ref":"since"}', 'CHATHUB_FRAME_INVALID'],
    ]
    for (const [text, code] of cases) {
      const seen = alice.next('error', (e) => e.code === code)
      alice.sendRaw(text)
      expect((await seen).code, text.slice(0, 60)).toBe(code)
    }
  })

  test('a burst of 500 random garbage frames: every one answered, the hub and the connection stay usable', async () => {
    await start()
    const alice = await hub.connect('alice')
    await alice.create('room')
    const bob = await hub.connect('bob')
    await bob.join('room')
    alice.drain()
    const frames = fc.sample(garbageFrame, { numRuns: 500, seed: 42 })
    let answers = 0
    const counted = (f: ServerFrame) => {
      if (f.type === 'ack' || f.type === 'error') answers++
    }
    alice.on('frame', counted)
    for (const f of frames) alice.sendRaw(f)
    await waitFor(() => answers >= 500)
    alice.off('frame', counted)
    expect(answers).toBe(500)
    expect(alice.open).toBe(true)
    const ack = await alice.say('room', 'still here')
    expect(await bob.next('message', (m) => m.seq === ack.seq)).toMatchObject({
      from: 'alice',
      text: 'still here',
    })
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200)
  })
})
