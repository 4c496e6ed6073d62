// Bridge accounts speak for a whole remote channel, so their connections get limits.bridgeMessagesPerSecond.
import { afterEach, beforeEach, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { issueSession } from '#core/auth/session-store'
import { insertUser } from '#core/users/queries'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub
beforeEach(async () => {
  hub = await startHub({ limits: { messagesPerSecond: 2, messageBurst: 5, bridgeMessagesPerSecond: 1000 } })
})
afterEach(() => hub.close())

const burst = async (client: ChatClient, n: number) => {
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => client.say('general', `m${i}`)))
  return results.filter((r) => r.status === 'rejected').map((r) => (r.reason as { code: string }).code)
}

test('a person is held to messagesPerSecond, a bridge account to bridgeMessagesPerSecond', async () => {
  const alice = await hub.connect('alice')
  await alice.create('general')
  const bridgeUser = insertUser(hub.hub.db, { name: 'irc-bridge', passwordHash: null, kind: 'bridge' })
  const { token } = issueSession(hub.hub.db, bridgeUser.id, { ttlMs: null, kind: 'bot' })
  const bridge = await ChatClient.connect(hub.url, token)
  await bridge.join('general')

  const refusedPerson = await burst(alice, 30)
  expect(refusedPerson.length).toBeGreaterThan(0)
  expect(new Set(refusedPerson)).toEqual(new Set(['CHATHUB_RATE_LIMITED']))

  expect(await burst(bridge, 30)).toEqual([])
  await bridge.close()
})
