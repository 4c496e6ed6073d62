// How long a message takes on the devices in a 3-member group: encrypt on the sender, decrypt on a
// receiver. Printed, not asserted (machines vary); the benchmark with a 100-member room against the
// hub is `npm run bench -- e2e` (issue 17).
import { expect, test } from 'vitest'
import { RoomGroup } from '#core/client/e2e/group'
import { encodePayload } from '#core/client/e2e/payload'
import { FakeHub, commitNow, groupOf, joinFromWelcome, newDevice } from './fake-hub.ts'

const MESSAGES = 300
const WARM_UP = 30

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

test('per-message encrypt + decrypt time in a 3-member group (printed)', async () => {
  const hub = new FakeHub()
  const [alice, bob, carol] = [
    await newDevice(hub, 'alice'),
    await newDevice(hub, 'bob'),
    await newDevice(hub, 'carol'),
  ]
  alice.group = await RoomGroup.create(
    alice.ctx,
    globalThis.crypto.getRandomValues(new Uint8Array(16)),
  )
  await commitNow(hub, alice, { add: [...hub.claim('bob'), ...hub.claim('carol')] })
  await joinFromWelcome(hub, bob)
  await joinFromWelcome(hub, carol)

  const encrypt: number[] = []
  const decrypt: number[] = []
  for (let i = 0; i < MESSAGES + WARM_UP; i++) {
    const payload = encodePayload({
      v: 1,
      t: 'say',
      text: `message ${i}: ${'lorem ipsum '.repeat(8)}`,
      txn: `t${i}`,
    })
    const t0 = performance.now()
    const data = await groupOf(alice).encrypt(payload)
    const t1 = performance.now()
    const out = await groupOf(bob).process(data)
    const t2 = performance.now()
    await groupOf(carol).process(data)
    expect(out.kind).toBe('application')
    if (i >= WARM_UP) {
      encrypt.push(t1 - t0)
      decrypt.push(t2 - t1)
    }
  }
  const both = encrypt.map((e, i) => e + (decrypt[i] ?? 0))
  const ms = (x: number) => `${x.toFixed(3)} ms`
  console.log(
    `e2e timing, 3-member group, ${MESSAGES} messages: encrypt median ${ms(median(encrypt))}, ` +
      `decrypt median ${ms(median(decrypt))}, encrypt+decrypt median ${ms(median(both))} ` +
      `(mean ${ms(both.reduce((a, b) => a + b, 0) / both.length)})`,
  )
})
