// A hidden message survives the hub: embed on the client, upload (the hub strips metadata), download,
// decode — the pixels are identical and the message extracts. The hub never sees the passphrase.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { embed, extract, type KdfParams } from '#plugins/stego/codec'
import { readImage, writePng } from '#plugins/stego/image-io'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { PNG_METADATA, withPngChunks } from '#test/core/attachment-files'
import { photoLike } from './fixtures.ts'

/** Test-only argon2id cost (the CLI uses the real KDF_V1). */
const kdf: KdfParams = { version: 0, memoryCost: 64, timeCost: 1, parallelism: 1 }

let hub: TestHub
beforeAll(async () => {
  hub = await startHub()
})
afterAll(() => hub.close())

test.each([3, 4] as const)('embed → upload → download → extract (%i channels)', async (channels) => {
  const alice = await hub.connect('alice')
  const bob = await hub.connect('bob')
  const room = `stego-${channels}`
  await alice.create(room)
  await bob.join(room)
  const cover = photoLike({ width: 120, height: 90, channels, seed: channels, transparent: channels === 4 ? 0.1 : 0 })
  const secret = 'meet at the old mill, 21:00'
  const { pixels } = await embed(cover, { kind: 'text', text: secret }, 'shared words', { kdf })
  const png = withPngChunks(await writePng(pixels), PNG_METADATA)

  const view = await alice.upload(room, png, { name: 'mill.png' })
  const ack = await alice.say(room, 'nice view', { attachments: [view.id] })
  const message = await bob.next('message', (m) => m.seq === ack.seq)
  const got = await bob.download(message.attachments![0]!.id)
  expect(got.bytes.length).toBeLessThan(png.length) // metadata chunks are gone

  const decoded = (await readImage(got.bytes)).image
  expect(Buffer.from(decoded.data).equals(Buffer.from(pixels.data))).toBe(true)
  expect(await extract(decoded, 'shared words', { kdf })).toEqual({ kind: 'text', text: secret })
  await expect(extract(decoded, 'wrong words', { kdf })).rejects.toMatchObject({ code: 'STEGO_NO_MESSAGE' })
})
