// The attachment sweep: uploads never sent expire after the TTL, attachments of deleted messages go
// (the tombstone stays), files shared by several uploads stay while referenced, files left by deleted
// rooms and users go, abandoned temp files go, a racing upload keeps its file, and the hub's timer.
import { randomBytes } from 'node:crypto'
import { readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, test } from 'vitest'
import { AttachmentStore } from '#core/attachments/storage'
import { type SweepReport, sweepAttachments } from '#core/attachments/sweep'
import { deleteRoom } from '#core/rooms/queries'
import { AdminService } from '#core/admin/admin-service'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const MINUTE = 60_000
const TTL_MINUTES = 60

let hubs: TestHub[] = []
afterEach(async () => {
  // Let the last HTTP response finish on the server side first: a keep-alive connection still busy
  // when close() starts holds it for Fastify's 72 s keepAliveTimeout (fastify/fastify#7044).
  await new Promise((resolve) => setTimeout(resolve, 20))
  const closing = hubs
  hubs = []
  await Promise.all(closing.map((h) => h.close()))
})

/** A hub whose clock the test moves (upload times and the sweep's TTL both read it). */
const start = async (attachments: Record<string, unknown> = {}) => {
  const clock = { now: Date.now() }
  const hub = await startHub(
    { attachments: { unlinkedTtlMinutes: TTL_MINUTES, sweepIntervalSeconds: 0, ...attachments } },
    { now: () => clock.now },
  )
  hubs.push(hub)
  const store = new AttachmentStore(join(hub.dataDir, 'attachments'))
  const sweep = (): Promise<SweepReport> =>
    sweepAttachments(hub.hub.db, store, { now: clock.now, unlinkedTtlMs: TTL_MINUTES * MINUTE })
  return { hub, clock, store, sweep }
}

const filesOnDisk = (hub: TestHub): string[] => {
  const root = join(hub.dataDir, 'attachments')
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(root.length + 1))
    .sort()
}

/** A small PNG of random pixels (a new one each call). */
const png = () => sharp(randomBytes(32 * 24 * 3), { raw: { width: 32, height: 24, channels: 3 } }).png().toBuffer()

const nothing = { unlinked: 0, ofDeletedMessages: 0, files: 0, thumbnails: 0, tmp: 0, bytesFreed: 0 }

describe('expiry and deletion', () => {
  test('an upload not sent within the TTL is deleted, row and file; a sent one stays', async () => {
    const { hub, clock, sweep } = await start()
    const alice = await hub.connect('alice')
    await alice.create('files')
    const unsent = await alice.upload('files', Buffer.from('never sent\n'))
    const sent = await alice.upload('files', Buffer.from('sent\n'))
    await alice.say('files', 'here', { attachments: [sent.id] })

    clock.now += (TTL_MINUTES - 1) * MINUTE
    expect(await sweep()).toEqual(nothing)
    clock.now += 2 * MINUTE
    expect(await sweep()).toEqual({ ...nothing, unlinked: 1, files: 1, bytesFreed: 11 })

    await expect(alice.download(unsent.id)).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_NOT_FOUND', status: 404 })
    await expect(alice.say('files', 'late', { attachments: [unsent.id] })).rejects.toMatchObject({
      code: 'CHATHUB_ATTACHMENT_INVALID',
    })
    expect((await alice.download(sent.id)).bytes.toString()).toBe('sent\n')
    expect(filesOnDisk(hub)).toHaveLength(1)
    expect(await sweep()).toEqual(nothing)
  })

  test('a file and thumbnail shared by several uploads stay while any row references them', async () => {
    const { hub, clock, sweep } = await start()
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('one')
    await bob.create('two')
    const image = await png()
    const mine = await alice.upload('one', image)
    const { seq } = await alice.say('one', 'a picture', { attachments: [mine.id] })
    await bob.upload('two', image) // the same bytes: one file, one thumbnail on disk
    expect(filesOnDisk(hub)).toHaveLength(2)

    clock.now += (TTL_MINUTES + 1) * MINUTE
    expect(await sweep()).toEqual({ ...nothing, unlinked: 1 }) // bob's row; alice's keeps the files
    expect(filesOnDisk(hub)).toHaveLength(2)
    expect((await alice.thumbnail(mine.id)).mime).toBe('image/webp')

    await alice.delete('one', seq)
    const report = await sweep()
    expect(report).toMatchObject({ ofDeletedMessages: 1, files: 1, thumbnails: 1 })
    expect(report.bytesFreed).toBeGreaterThan(mine.size)
    expect(filesOnDisk(hub)).toEqual([])
    // The message stays as a tombstone, without attachments.
    const tombstone = (await alice.history('one')).messages.find((m) => m.seq === seq)
    expect(tombstone).toMatchObject({ seq, text: null })
    expect(tombstone?.deletedAt).toBeTypeOf('number')
    expect(tombstone?.attachments).toBeUndefined()
  })

  test('an attachment carried by two messages goes only when both are deleted', async () => {
    const { hub, sweep } = await start()
    const alice = await hub.connect('alice')
    await alice.create('files')
    const file = await alice.upload('files', Buffer.from('twice\n'))
    const first = await alice.say('files', 'one', { attachments: [file.id] })
    const second = await alice.say('files', 'two', { attachments: [file.id] })
    await alice.delete('files', first.seq)
    expect(await sweep()).toEqual(nothing)
    expect((await alice.download(file.id)).bytes.toString()).toBe('twice\n')
    await alice.delete('files', second.seq)
    expect(await sweep()).toMatchObject({ ofDeletedMessages: 1, files: 1 })
  })

  test('files left behind by a deleted room or a removed user are deleted', async () => {
    const { hub, sweep } = await start()
    const alice = await hub.connect('alice')
    const carol = await hub.connect('carol')
    await alice.create('doomed')
    await alice.create('kept')
    await carol.join('kept')
    const inRoom = await alice.upload('doomed', Buffer.from('in a room about to go\n'))
    await alice.say('doomed', 'x', { attachments: [inRoom.id] })
    const kept = await alice.upload('kept', Buffer.from('kept\n'))
    await alice.say('kept', 'y', { attachments: [kept.id] })
    const image = await carol.upload('kept', await png())
    await carol.say('kept', 'z', { attachments: [image.id] })
    expect(filesOnDisk(hub)).toHaveLength(4)

    deleteRoom(hub.hub.db, 'doomed') // rows go by cascade, the file stays until the sweep
    await carol.close()
    // Erased: a removal without --erase keeps her messages (and their files), anonymised.
    await new AdminService(hub.hub.db).removeUser('carol', { erase: true })
    expect(filesOnDisk(hub)).toHaveLength(4)
    expect(await sweep()).toMatchObject({ unlinked: 0, ofDeletedMessages: 0, files: 2, thumbnails: 1 })
    expect(filesOnDisk(hub)).toHaveLength(1)
    expect((await alice.download(kept.id)).bytes.toString()).toBe('kept\n')
  })

  test('temp files of uploads abandoned over an hour ago are deleted, recent ones stay', async () => {
    const { hub, clock, sweep } = await start()
    const tmp = join(hub.dataDir, 'attachments', 'tmp')
    writeFileSync(join(tmp, 'abandoned'), Buffer.alloc(1000))
    writeFileSync(join(tmp, 'recent'), Buffer.alloc(10))
    const twoHoursAgo = (clock.now - 2 * 3600_000) / 1000
    utimesSync(join(tmp, 'abandoned'), twoHoursAgo, twoHoursAgo)
    expect(await sweep()).toEqual({ ...nothing, tmp: 1, bytesFreed: 1000 })
    expect(readdirSync(tmp)).toEqual(['recent'])
  })
})

describe('races', () => {
  test('an upload committing bytes the sweep is deleting right then keeps its file', async () => {
    const { hub, sweep } = await start()
    const alice = await hub.connect('alice')
    await alice.create('files')
    for (let i = 0; i < 12; i++) {
      const bytes = Buffer.from(`contested file ${i}\n`)
      // An orphaned copy of the bytes: uploaded by a user who is then removed (rows go by cascade).
      const temp = await hub.connect(`temp${i}`)
      await temp.join('files')
      await temp.upload('files', bytes)
      await temp.close()
      await new AdminService(hub.hub.db).removeUser(`temp${i}`)
      const [, view] = await Promise.all([sweep(), alice.upload('files', bytes)])
      expect(Buffer.from((await alice.download(view.id)).bytes).equals(bytes)).toBe(true)
    }
    expect(await sweep()).toMatchObject({ files: 0 })
  })
})

describe('the hub timer', () => {
  test('the hub sweeps every sweepIntervalSeconds, skipping uploads in progress, and stops on close', async () => {
    const { hub, clock } = await start({ sweepIntervalSeconds: 1 })
    const alice = await hub.connect('alice')
    await alice.create('files')
    const unsent = await alice.upload('files', Buffer.from('forgotten\n'))

    // An upload in progress: half of it sent, the rest held back until after the sweep.
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const half = Buffer.alloc(20_000, 3)
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(half))
        void held.then(() => {
          controller.enqueue(new Uint8Array(half))
          controller.close()
        })
      },
    })
    const slow = fetch(`${hub.url}/api/v1/rooms/files/attachments`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${hub.token('alice')}` },
      duplex: 'half',
    } as RequestInit)
    const tmp = join(hub.dataDir, 'attachments', 'tmp')
    await expect.poll(() => readdirSync(tmp).length).toBe(1)

    clock.now += 2 * TTL_MINUTES * MINUTE // the temp file now looks hours old: only "in progress" protects it
    await expect.poll(() => hub.logs.find((l) => l.msg === 'attachments swept'), { timeout: 5000 }).toMatchObject({
      unlinked: 1,
      files: 1,
      tmp: 0,
    })
    await expect(alice.download(unsent.id)).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_NOT_FOUND' })

    release()
    const res = await slow
    expect(res.status).toBe(201)
    const view = (await res.json()) as { id: string; size: number }
    expect(view.size).toBe(40_000)
    expect((await alice.download(view.id)).bytes.length).toBe(40_000)
  })
})
