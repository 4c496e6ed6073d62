// limits.maxBufferedBytes bounds every write to a connection, not only fan-out: a client that asks
// for history pages or join replays and never reads the answers is closed with 4009 once its queue
// is over the bound, the hub's buffers for it stay bounded, and everyone else goes on as before.
import type { Socket } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { CloseCodes } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { rawSocket, waitFor } from './support.ts'

let hub: TestHub | undefined
afterEach(() => hub?.close())

const MAX_BUFFERED = 256 * 1024
const MESSAGES = 200

const requests = {
  history: (i: number) => ({ type: 'history', ref: `h${i}`, room: 'room', limit: MESSAGES }),
  join: (i: number) => ({ type: 'join', ref: `j${i}`, room: 'room', since: 0 }),
}

test.each(Object.keys(requests) as (keyof typeof requests)[])(
  'a client that never reads its %s replies is closed 4009, buffered bytes stay bounded, others are unaffected',
  async (kind) => {
    hub = await startHub({
      limits: { maxBufferedBytes: MAX_BUFFERED, historyPageMax: MESSAGES, replayMax: MESSAGES },
    })
    const alice = await hub.connect('alice')
    await alice.create('room')
    const bob = await hub.connect('bob')
    await bob.join('room')
    // Every reply below is one page of about 420 KB: more than the bound on its own.
    const text = 'h'.repeat(2000)
    await Promise.all(Array.from({ length: MESSAGES }, (_, i) => alice.say('room', `${i} ${text}`)))
    const page = await alice.history('room', { limit: MESSAGES })
    const replyBytes = JSON.stringify(page).length + 1024

    const slow = await rawSocket(hub.url)
    await slow.auth(hub.token('slow'))
    ;(slow.ws as unknown as { _socket: Socket })._socket.pause()
    const serverSide = () => [...hub!.hub.connections].find((c) => c.user?.name === 'slow')
    let maxQueued = 0
    let sent = 0
    while (sent < 1000 && serverSide()?.closing === false) {
      slow.ws.send(JSON.stringify(requests[kind](sent++)))
      // Let the hub read and answer it before looking at what it has queued.
      await new Promise((r) => setTimeout(r, 1))
      maxQueued = Math.max(maxQueued, serverSide()?.ws.bufferedAmount ?? 0)
    }
    expect(serverSide()?.closing).toBe(true)
    // The bound plus the one reply that crossed it; the kernel's socket buffers took the rest.
    expect(maxQueued).toBeLessThanOrEqual(MAX_BUFFERED + replyBytes)
    ;(slow.ws as unknown as { _socket: Socket })._socket.resume()
    expect(await slow.closed).toBe(CloseCodes.slowConsumer)
    await waitFor(() => !serverSide())
    const metrics = await (await fetch(`${hub.url}/metrics`)).text()
    expect(metrics).toMatch(/^chathub_slow_consumers_total 1$/m)

    // Others: bob got everything and still gets what comes next; alice's own requests still work.
    const sentinel = await alice.say('room', 'sentinel')
    expect(sentinel.seq).toBe(MESSAGES + 1)
    expect(await bob.next('message', (m) => m.seq === sentinel.seq)).toMatchObject({
      text: 'sentinel',
    })
    expect((await bob.history('room', { limit: 1 })).messages[0]?.text).toBe('sentinel')
    expect(alice.open && bob.open).toBe(true)
  },
)
