// The client SDK's outbox: a `say` whose ack is lost with its connection stays pending, is sent again
// with the same txn after reconnect() resumes (also to a hub restarted on the same data directory),
// is stored exactly once and resolves with the ack. Sends made while disconnected follow, in order.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { Relay } from './relay.ts'
import { readAllHistory, refusal } from './support.ts'

let hub: TestHub | undefined
let relay: Relay | undefined
let alice: ChatClient | undefined
let dataDir: string | undefined
afterEach(async () => {
  await alice?.close()
  await relay?.close()
  await hub?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  hub = relay = alice = dataDir = undefined
})

const portOf = (url: string) => Number(new URL(url).port)

/** alice connected through a relay (which can lose the hub's answers), bob directly; both follow "room". */
const setUp = async (options: { timeoutSeconds?: number } = {}) => {
  const h = hub as TestHub
  relay = new Relay(portOf(h.url))
  alice = await ChatClient.connect(await relay.listen(), h.token('alice'), options)
  await alice.create('room')
  await alice.join('room')
  const bob = await h.connect('bob')
  await bob.join('room')
  return { alice, bob, relay }
}

test('a send whose ack was lost with the connection is sent again after reconnect: stored once, resolved', async () => {
  hub = await startHub()
  const { alice, bob, relay } = await setUp()
  relay.blackhole = true
  const first = alice.say('room', 'exactly once')
  // Committed and fanned out; its ack is lost on the way, then the connection is cut.
  const stored = await bob.next('message', (m) => m.text === 'exactly once')
  relay.cut()
  expect(await alice.closed()).toBe(1006)
  const second = alice.say('room', 'sent while offline')
  relay.blackhole = false
  await alice.reconnect()
  expect(await first).toMatchObject({ seq: stored.seq, duplicate: true })
  expect(await second).toMatchObject({ seq: stored.seq + 1, duplicate: false })
  // The retry was not fanned out again: the next message bob sees is the one sent while offline.
  expect(await bob.next('message')).toMatchObject({
    seq: stored.seq + 1,
    text: 'sent while offline',
  })
  expect((await readAllHistory(bob, 'room')).map((m) => m.text)).toEqual([
    'exactly once',
    'sent while offline',
  ])
})

test('the outbox survives a hub restart on the same data directory', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'chathub-outbox-'))
  hub = await startHub({}, { dataDir })
  const { alice, bob, relay } = await setUp()
  relay.blackhole = true
  const first = alice.say('room', 'across a restart')
  const stored = await bob.next('message', (m) => m.text === 'across a restart')
  const dropped = alice.closed()
  await hub.close()
  hub = undefined
  expect(await dropped).toBe(1006)

  hub = await startHub({}, { dataDir })
  relay.upstreamPort = portOf(hub.url)
  relay.blackhole = false
  await alice.reconnect()
  expect(await first).toMatchObject({ seq: stored.seq, duplicate: true })
  const sentinel = await alice.say('room', 'sentinel')
  expect(sentinel).toMatchObject({ seq: stored.seq + 1, duplicate: false })
  const reader = await hub.connect('bob')
  expect((await readAllHistory(reader, 'room')).map((m) => m.text)).toEqual([
    'across a restart',
    'sentinel',
  ])
})

test('an unanswered send fails with its txn: CHATHUB_TIMEOUT after timeoutSeconds, CHATHUB_CONNECTION_CLOSED on close()', async () => {
  hub = await startHub()
  const { alice, relay } = await setUp({ timeoutSeconds: 1 })
  relay.blackhole = true
  expect(await refusal(alice.say('room', 'no answer', { txn: 'mine-1' }))).toMatchObject({
    code: 'CHATHUB_TIMEOUT',
    details: { txn: 'mine-1' },
  })
  const pending = refusal(alice.say('room', 'never sent again', { txn: 'mine-2' }))
  relay.cut()
  await alice.closed()
  await alice.close()
  expect(await pending).toMatchObject({
    code: 'CHATHUB_CONNECTION_CLOSED',
    details: { txn: 'mine-2' },
  })
})
