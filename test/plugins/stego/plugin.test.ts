// The stego plugin in the hub: `/stego capacity WxH` and `/stego help`; capacity from the size alone
// agrees exactly with the codec's capacity() on real pixels.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { capacity } from '#plugins/stego/codec'
import { capacityForSize } from '#plugins/stego/size-capacity'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub
beforeAll(async () => {
  hub = await startHub({ plugins: { stego: { maxPixels: 50_000_000 } } })
})
afterAll(() => hub.close())

test.each([
  [1, 1, 3],
  [12, 11, 3],
  [64, 48, 3],
  [333, 77, 3],
  [640, 480, 1],
] as const)('capacityForSize(%i, %i, %i) equals capacity() of such an image', (width, height, channels) => {
  const image = { data: new Uint8Array(width * height * channels), width, height, channels }
  const { maxBytes, safeBytes, usableSlots } = capacity(image)
  expect(capacityForSize(width, height, channels === 1 ? 1 : 3)).toEqual({ maxBytes, safeBytes, usableSlots })
})

test('/stego capacity and /stego help answer the caller only', async () => {
  const alice = await hub.connect('alice')
  await alice.create('pics')
  await alice.say('pics', '/stego capacity 4000x3000')
  const { maxBytes, safeBytes } = capacityForSize(4000, 3000)
  expect((await alice.next('notice')).text).toContain(`up to ${maxBytes} bytes; up to ${safeBytes} bytes`)
  await alice.say('pics', '/stego capacity 60000x60000')
  expect((await alice.next('notice')).text).toMatch(/not accepted/)
  await alice.say('pics', '/stego help')
  expect((await alice.next('notice')).text).toContain('chathub send --room ROOM --image')
})
