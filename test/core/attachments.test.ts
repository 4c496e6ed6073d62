// Attachments: streamed upload with a size limit, content-addressed storage, sniffed types, lossless
// metadata stripping, the pixel limit, member-only download and thumbnails, and messages carrying them.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ChatError } from '#core/errors'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { photoLike } from '#test/plugins/stego/fixtures'
import { jpegWithMetadata, PNG_METADATA, pngBomb, pngChunkTypes, withPngChunks } from './attachment-files.ts'

let hub: TestHub
beforeAll(async () => {
  hub = await startHub({ attachments: { maxBytes: 200_000, thumbnailSize: 64 } })
})
afterAll(() => hub.close())

const W = 96
const H = 72
const photo = photoLike({ width: W, height: H, seed: 7 })
const raw = Buffer.from(photo.data)
const png = () => sharp(raw, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer()
const decode = async (bytes: Buffer) => (await sharp(bytes).raw().toBuffer({ resolveWithObject: true })).data

const post = (room: string, body: Buffer | ReadableStream<Uint8Array>, token: string | undefined, query = '', headers: Record<string, string> = {}) =>
  fetch(`${hub.url}/api/v1/rooms/${room}/attachments${query}`, {
    method: 'POST',
    body,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/octet-stream', ...headers },
    duplex: 'half', // undici: needed for stream bodies
  } as RequestInit)

const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code

const filesOnDisk = (): string[] => {
  const root = join(hub.dataDir, 'attachments')
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path, d.name).slice(root.length + 1))
}

describe('upload and download', () => {
  test('a PNG keeps its pixels byte for byte while text, EXIF and time chunks are stripped', async () => {
    const alice = await hub.connect('alice')
    await alice.create('photos')
    const original = withPngChunks(await png(), PNG_METADATA)
    const view = await alice.upload('photos', original, { name: '../../holiday\u202e.png' })
    expect(view).toMatchObject({ mime: 'image/png', width: W, height: H, name: 'holiday.png' })

    const got = await alice.download(view.id).then((d) => ({ ...d, bytes: Buffer.from(d.bytes) }))
    expect(got.mime).toBe('image/png')
    expect(got.name).toBe('holiday.png')
    const types = pngChunkTypes(got.bytes)
    expect(pngChunkTypes(original)).toEqual(expect.arrayContaining(['tEXt', 'tIME', 'eXIf']))
    for (const meta of ['tEXt', 'tIME', 'eXIf']) expect(types).not.toContain(meta)
    expect(types).toEqual(pngChunkTypes(original).filter((t) => !['tEXt', 'tIME', 'eXIf'].includes(t)))
    expect(got.bytes.toString('latin1')).not.toContain('51.5007N')
    expect(await decode(got.bytes)).toEqual(await decode(original))

    const res = await fetch(`${hub.url}/api/v1/attachments/${view.id}`, { headers: { authorization: `Bearer ${hub.token('alice')}` } })
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="holiday\.png"/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Number(res.headers.get('content-length'))).toBe(view.size)
  })

  test('a JPEG loses its EXIF APP1 and COM segments; the compressed data and decoded pixels stay identical', async () => {
    const alice = await hub.connect('alice')
    const original = await jpegWithMetadata(raw, W, H)
    expect(original.toString('latin1')).toContain('exif-artist-marker')
    const view = await alice.upload('photos', original, { name: 'cam.jpg' })
    expect(view).toMatchObject({ mime: 'image/jpeg', width: W, height: H })
    const got = Buffer.from((await alice.download(view.id)).bytes)
    const text = got.toString('latin1')
    expect(text).not.toContain('exif-artist-marker')
    expect(text).not.toContain('com-marker-text')
    expect(original.toString('latin1')).toContain('Exif\0\0')
    expect(text).not.toContain('Exif\0\0')
    expect(await decode(got)).toEqual(await decode(original))
    // the entropy-coded scan is copied as is: the bytes after SOS are the same
    const sos = (b: Buffer) => b.subarray(b.indexOf(Buffer.from([0xff, 0xda])))
    expect(sos(got).equals(sos(original))).toBe(true)
  })

  test('the type is sniffed from the bytes, the name is sanitised, and paths on disk are digests only', async () => {
    const alice = await hub.connect('alice')
    const html = Buffer.from('<html><script>alert(1)</script></html>\n')
    const res = await post('photos', html, hub.token('alice'), `?name=${encodeURIComponent('../../../etc/passwd')}`, {
      'content-type': 'image/png',
    })
    expect(res.status).toBe(201)
    const view = (await res.json()) as { id: string; mime: string; name: string; width?: number }
    expect(view).toMatchObject({ mime: 'text/plain; charset=utf-8', name: 'passwd' })
    expect(view.width).toBeUndefined()
    const bin = await alice.upload('photos', Buffer.from([0, 1, 2, 3, 255]))
    expect(bin).toMatchObject({ mime: 'application/octet-stream', name: 'attachment' })
    for (const file of filesOnDisk()) expect(file).toMatch(/^(?:[0-9a-f]{2}|thumbs)\/[0-9a-f]{64}$/)
  })

  test('the same bytes uploaded twice are stored once', async () => {
    const alice = await hub.connect('alice')
    const bytes = Buffer.from('the same file, twice\n')
    const a = await alice.upload('photos', bytes)
    const b = await alice.upload('photos', bytes)
    expect(a.id).not.toBe(b.id)
    const before = filesOnDisk().length
    await alice.upload('photos', bytes)
    expect(filesOnDisk().length).toBe(before)
  })

  test('images get a small WebP thumbnail; other files have none', async () => {
    const alice = await hub.connect('alice')
    const view = await alice.upload('photos', await png())
    const thumb = await alice.thumbnail(view.id)
    expect(thumb.mime).toBe('image/webp')
    const meta = await sharp(thumb.bytes).metadata()
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(64)
    const text = await alice.upload('photos', Buffer.from('notes\n'))
    await expect(alice.thumbnail(text.id)).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_NO_THUMBNAIL' })
  })
})

describe('limits', () => {
  test('a body over attachments.maxBytes gets 413 with a code, declared or streamed, and leaves no temp file', async () => {
    const big = Buffer.alloc(200_001, 7)
    const declared = await post('photos', big, hub.token('alice'))
    expect(declared.status).toBe(413)
    expect(await codeOf(declared)).toBe('CHATHUB_ATTACHMENT_TOO_LARGE')

    // no Content-Length: the limit is enforced while streaming
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(50_000))
        controller.close()
      },
    })
    const streamed = await post('photos', stream, hub.token('alice'))
    expect(streamed.status).toBe(413)
    expect(await codeOf(streamed)).toBe('CHATHUB_ATTACHMENT_TOO_LARGE')
    expect(readdirSync(join(hub.dataDir, 'attachments', 'tmp'))).toEqual([])
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200)
  })

  test('a tiny PNG that claims 50000×50000 pixels is refused with a code before decoding', async () => {
    const alice = await hub.connect('alice')
    const bomb = pngBomb()
    expect(bomb.length).toBeLessThan(200)
    await expect(alice.upload('photos', bomb)).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_IMAGE_TOO_LARGE', status: 413 })
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200)
  })

  test('a truncated image and an empty body are refused with codes', async () => {
    const alice = await hub.connect('alice')
    const whole = await png()
    await expect(alice.upload('photos', whole.subarray(0, whole.length - 40))).rejects.toMatchObject({
      code: 'CHATHUB_ATTACHMENT_IMAGE_INVALID',
    })
    await expect(alice.upload('photos', Buffer.alloc(0))).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_EMPTY' })
  })
})

describe('who may read', () => {
  test('members only: private rooms stay invisible, public non-members are told to join', async () => {
    const owner = await hub.connect('olga')
    await owner.create('vault', { private: true })
    const secret = await owner.upload('vault', Buffer.from('private notes\n'))
    await owner.create('lobby')
    const open = await owner.upload('lobby', Buffer.from('public notes\n'))

    const mallory = await hub.connect('mallory')
    await expect(mallory.download(secret.id)).rejects.toMatchObject({ code: 'CHATHUB_ROOM_NOT_FOUND', status: 404 })
    await expect(mallory.thumbnail(secret.id)).rejects.toMatchObject({ code: 'CHATHUB_ROOM_NOT_FOUND' })
    await expect(mallory.upload('vault', Buffer.from('x'))).rejects.toMatchObject({ code: 'CHATHUB_ROOM_NOT_FOUND' })
    const hidden: unknown = await mallory.download(secret.id).catch((e: unknown) => e)
    expect(hidden).toBeInstanceOf(ChatError)
    expect((hidden as ChatError).message).not.toContain('vault')
    await expect(mallory.download(open.id)).rejects.toMatchObject({ code: 'CHATHUB_ROOM_NOT_MEMBER' })
    await expect(mallory.upload('lobby', Buffer.from('x'))).rejects.toMatchObject({ code: 'CHATHUB_ROOM_NOT_MEMBER' })
    await expect(mallory.download('AAAAAAAAAAAAAAAA')).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_NOT_FOUND' })

    await mallory.join('lobby')
    expect((await mallory.download(open.id)).bytes.toString()).toBe('public notes\n')
    await owner.invite('vault', 'mallory')
    await mallory.join('vault')
    expect((await mallory.download(secret.id)).bytes.toString()).toBe('private notes\n')

    const anonymous = await fetch(`${hub.url}/api/v1/attachments/${open.id}`)
    expect(await codeOf(anonymous)).toBe('CHATHUB_AUTH_REQUIRED')
    expect(await codeOf(await post('lobby', Buffer.from('x'), undefined))).toBe('CHATHUB_AUTH_REQUIRED')
  })
})

describe('messages with attachments', () => {
  test('the live event, history (WebSocket and HTTP) and the resume replay carry them', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('album')
    await bob.join('album')
    const image = await alice.upload('album', await png(), { name: 'a.png' })
    const notes = await alice.upload('album', Buffer.from('notes\n'), { name: 'n.txt' })
    const ack = await alice.say('album', 'two files', { attachments: [image.id, notes.id] })
    const live = await bob.next('message', (m) => m.seq === ack.seq)
    const expected = [
      { id: image.id, name: 'a.png', mime: 'image/png', size: image.size, width: W, height: H },
      { id: notes.id, name: 'n.txt', mime: 'text/plain; charset=utf-8', size: 6 },
    ]
    expect(live.attachments).toEqual(expected)
    const plain = await alice.say('album', 'no files')

    const history = await bob.history('album')
    expect(history.messages.find((m) => m.seq === ack.seq)?.attachments).toEqual(expected)
    expect(history.messages.find((m) => m.seq === plain.seq)?.attachments).toBeUndefined()
    const res = await fetch(`${hub.url}/api/v1/rooms/album/messages`, { headers: { authorization: `Bearer ${hub.token('bob')}` } })
    const page = (await res.json()) as { messages: { seq: number; attachments?: unknown }[] }
    expect(page.messages.find((m) => m.seq === ack.seq)?.attachments).toEqual(expected)

    const carol = await hub.connect('carol')
    await carol.join('album')
    const replay = await carol.resume('album', 0)
    expect(replay.find((m) => m.seq === ack.seq)?.attachments).toEqual(expected)

    await alice.delete('album', ack.seq)
    const after = await bob.history('album')
    expect(after.messages.find((m) => m.seq === ack.seq)?.attachments).toBeUndefined()
  })

  test('only ids the sender uploaded to the same room are accepted', async () => {
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('album2')
    await bob.join('album2')
    const mine = await alice.upload('album2', Buffer.from('mine\n'))
    const elsewhere = await bob.upload('photos', Buffer.from('other room\n')).catch(async () => {
      await bob.join('photos')
      return bob.upload('photos', Buffer.from('other room\n'))
    })
    const theirs = await bob.upload('album2', Buffer.from('theirs\n'))
    await expect(alice.say('album2', 'x', { attachments: [theirs.id] })).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_INVALID' })
    await expect(bob.say('album2', 'x', { attachments: [elsewhere.id] })).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_INVALID' })
    await expect(alice.say('album2', 'x', { attachments: ['nope-nope-nope'] })).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_INVALID' })
    const eleven = Array.from({ length: 11 }, () => mine.id)
    await expect(alice.say('album2', 'x', { attachments: eleven })).rejects.toMatchObject({ code: 'CHATHUB_FRAME_INVALID' })
    const ok = await alice.say('album2', 'mine', { attachments: [mine.id] })
    expect(ok.seq).toBeGreaterThan(0)
  })
})
