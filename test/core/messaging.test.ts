// The message path in one picture: send, commit, ack, fan-out; idempotent retries by txn.
import { afterEach, beforeEach, expect, test } from 'vitest'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { sendGarbage } from './support.ts'

let hub: TestHub
beforeEach(async () => {
  hub = await startHub()
})
afterEach(() => hub.close())

test('a message is acked to its sender and fanned out to every member, in sequence', async () => {
  const alice = await hub.connect('alice')
  const bob = await hub.connect('bob')
  await alice.create('general')
  await alice.join('general')
  await bob.join('general')
  const ack = await alice.say('general', 'hello bob')
  expect(ack).toMatchObject({ room: 'general', seq: 1, duplicate: false })
  const got = await bob.next('message')
  expect(got).toMatchObject({ room: 'general', seq: 1, from: 'alice', text: 'hello bob' })
  const ack2 = await bob.say('general', 'hi alice')
  expect(ack2.seq).toBe(2)
  expect(await alice.next('message', (m) => m.seq === 2)).toMatchObject({
    from: 'bob',
    text: 'hi alice',
  })
  await sendGarbage(bob)
})

test('the same txn sent twice is stored once and acked twice with the same seq', async () => {
  const alice = await hub.connect('alice')
  await alice.create('general')
  const [a, b] = await Promise.all([
    alice.say('general', 'once', { txn: 't-1' }),
    alice.say('general', 'once', { txn: 't-1' }),
  ])
  expect(a.seq).toBe(b.seq)
  const c = await alice.say('general', 'once', { txn: 't-1' })
  expect(c).toMatchObject({ seq: a.seq, duplicate: true })
  const page = await alice.history('general')
  expect(page.messages).toHaveLength(1)
  await sendGarbage(alice)
})
