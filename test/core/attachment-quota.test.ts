// Attachment storage limits: the per-user quota (declared and streamed bodies, concurrent uploads, no
// leftovers, usage after deletion), the hub-wide limit, and their config keys.
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { usageByUser } from '#core/attachments/queries'
import { AttachmentStore } from '#core/attachments/storage'
import { sweepAttachments } from '#core/attachments/sweep'
import { loadConfig, resolveConfig } from '#core/config'
import { ChatError } from '#core/errors'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hubs: TestHub[] = []
afterEach(async () => {
  // Let the last HTTP response finish on the server side first: a keep-alive connection still busy
  // when close() starts holds it for Fastify's 72 s keepAliveTimeout (fastify/fastify#7044).
  await new Promise((resolve) => setTimeout(resolve, 20))
  const closing = hubs
  hubs = []
  await Promise.all(closing.map((h) => h.close()))
})
const start = async (attachments: Record<string, unknown>, options: { now?: () => number } = {}) => {
  const hub = await startHub({ attachments: { sweepIntervalSeconds: 0, ...attachments } }, options)
  hubs.push(hub)
  return hub
}

/** A body that arrives in `chunk`-byte pieces, a few ms apart, with no Content-Length (chunked). */
const trickle = (total: number, chunk = 8192, delayMs = 2): ReadableStream<Uint8Array> => {
  let sent = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= total) return controller.close()
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      const n = Math.min(chunk, total - sent)
      sent += n
      controller.enqueue(new Uint8Array(randomBytes(n)))
    },
  })
}

const post = (hub: TestHub, user: string, room: string, body: Buffer | ReadableStream<Uint8Array>) =>
  fetch(`${hub.url}/api/v1/rooms/${room}/attachments`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${hub.token(user)}`, 'content-type': 'application/octet-stream' },
    duplex: 'half', // undici: needed for stream bodies
  } as RequestInit)

const answer = async (res: Response): Promise<Record<string, unknown> & { status: number }> => ({
  ...((await res.json()) as Record<string, unknown>),
  status: res.status,
})

const rowsOf = (hub: TestHub) =>
  hub.hub.db.$client.prepare<[], { n: number }>('SELECT count(*) AS n FROM attachments').get()?.n
const tmpFiles = (hub: TestHub) => readdirSync(join(hub.dataDir, 'attachments', 'tmp'))
const usedBy = (hub: TestHub, name: string) => usageByUser(hub.hub.db).find((u) => u.user === name)?.bytes ?? 0

describe('per-user quota', () => {
  test('an upload past the quota is refused with 413 and the numbers, declared or streamed, leaving nothing behind', async () => {
    const hub = await start({ quotaBytesPerUser: 100_000 })
    const alice = await hub.connect('alice')
    await alice.create('files')
    await alice.upload('files', randomBytes(60_000))
    const rows = rowsOf(hub)

    // Content-Length says it cannot fit: refused before the body is read.
    const declared = await answer(await post(hub, 'alice', 'files', randomBytes(50_000)))
    expect(declared).toMatchObject({
      status: 413,
      code: 'CHATHUB_ATTACHMENT_QUOTA_EXCEEDED',
      quotaBytes: 100_000,
      usedBytes: 60_000,
    })
    // No Content-Length at all: counted while streaming, refused as the quota is crossed.
    const streamed = await answer(await post(hub, 'alice', 'files', trickle(50_000)))
    expect(streamed).toMatchObject({ status: 413, code: 'CHATHUB_ATTACHMENT_QUOTA_EXCEEDED', usedBytes: 60_000 })
    expect(String(streamed.message)).toContain('97.7 KiB')

    expect(rowsOf(hub)).toBe(rows)
    expect(tmpFiles(hub)).toEqual([])
    expect(usedBy(hub, 'alice')).toBe(60_000)
    // What still fits is accepted, up to the byte; the quota is the uploader's, not the room's.
    await alice.upload('files', randomBytes(40_000))
    expect(usedBy(hub, 'alice')).toBe(100_000)
    await expect(alice.upload('files', Buffer.from('x'))).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_QUOTA_EXCEEDED' })
    const bob = await hub.connect('bob')
    await bob.join('files')
    await bob.upload('files', randomBytes(90_000))
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200)
  })

  test('concurrent uploads by one user share the quota: together they never pass it', async () => {
    const hub = await start({ quotaBytesPerUser: 100_000 })
    const alice = await hub.connect('alice')
    await alice.create('files')
    const results = await Promise.all([0, 1, 2].map(() => post(hub, 'alice', 'files', trickle(45_000)).then(answer)))
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 201, 413])
    expect(results.find((r) => r.status === 413)?.code).toBe('CHATHUB_ATTACHMENT_QUOTA_EXCEEDED')
    expect(usedBy(hub, 'alice')).toBe(90_000)
    expect(tmpFiles(hub)).toEqual([])
  })

  test('deleting a message frees its attachment at the next sweep, and usage drops', async () => {
    let clock = Date.now()
    const hub = await start({ quotaBytesPerUser: 100_000 }, { now: () => clock })
    const alice = await hub.connect('alice')
    await alice.create('files')
    const big = await alice.upload('files', randomBytes(80_000))
    const { seq } = await alice.say('files', 'the big one', { attachments: [big.id] })
    await expect(alice.upload('files', randomBytes(30_000))).rejects.toMatchObject({ code: 'CHATHUB_ATTACHMENT_QUOTA_EXCEEDED', status: 413 })

    await alice.delete('files', seq)
    clock += 60_000
    const store = new AttachmentStore(join(hub.dataDir, 'attachments'))
    const report = await sweepAttachments(hub.hub.db, store, { now: clock, unlinkedTtlMs: 3600_000 })
    expect(report).toMatchObject({ ofDeletedMessages: 1, files: 1, bytesFreed: 80_000 })
    expect(usedBy(hub, 'alice')).toBe(0)
    await alice.upload('files', randomBytes(30_000))
    expect(usedBy(hub, 'alice')).toBe(30_000)
  })

  test('0 means unlimited', async () => {
    const hub = await start({ quotaBytesPerUser: 0, maxBytes: 300_000 })
    const alice = await hub.connect('alice')
    await alice.create('files')
    for (let i = 0; i < 3; i++) await alice.upload('files', randomBytes(250_000))
    expect(usedBy(hub, 'alice')).toBe(750_000)
  })
})

describe('hub-wide limit', () => {
  test('past attachments.maxTotalBytes every user gets 507, counting distinct files', async () => {
    const hub = await start({ maxTotalBytes: 100_000 })
    const alice = await hub.connect('alice')
    const bob = await hub.connect('bob')
    await alice.create('files')
    await bob.join('files')
    const same = randomBytes(70_000)
    await alice.upload('files', same)
    const full = await answer(await post(hub, 'bob', 'files', randomBytes(40_000)))
    expect(full).toMatchObject({ status: 507, code: 'CHATHUB_ATTACHMENT_STORAGE_FULL', limitBytes: 100_000, usedBytes: 70_000 })
    const streamed = await answer(await post(hub, 'bob', 'files', trickle(40_000)))
    expect(streamed).toMatchObject({ status: 507, code: 'CHATHUB_ATTACHMENT_STORAGE_FULL' })
    await bob.upload('files', randomBytes(30_000))
    expect(tmpFiles(hub)).toEqual([])
  })
})

describe('config', () => {
  const codeAndMessage = (fn: () => unknown) => {
    try {
      fn()
    } catch (err) {
      if (err instanceof ChatError) return { code: err.code, message: err.message }
      throw err
    }
    throw new Error('did not throw')
  }

  test('defaults, and bad values that name their key', () => {
    expect(resolveConfig({}).attachments).toMatchObject({
      quotaBytesPerUser: 1024 ** 3,
      maxTotalBytes: 0,
      unlinkedTtlMinutes: 360,
      sweepIntervalSeconds: 900,
    })
    const file = codeAndMessage(() =>
      resolveConfig({ attachments: { quotaBytesPerUser: -1, unlinkedTtlMinutes: 0, sweepIntervalSeconds: 1.5, quota: 1 } }),
    )
    expect(file.code).toBe('CHATHUB_CONFIG_INVALID')
    expect(file.message).toContain('/attachments/quotaBytesPerUser')
    expect(file.message).toContain('/attachments/unlinkedTtlMinutes')
    expect(file.message).toContain('/attachments/sweepIntervalSeconds')
    expect(file.message).toContain('unknown key "quota"')

    const env = codeAndMessage(() =>
      loadConfig({ env: { CHATHUB_ATTACHMENTS_QUOTA_BYTES_PER_USER: '1GB', CHATHUB_ATTACHMENTS_MAX_TOTAL_BYTES: '-' } }),
    )
    expect(env.code).toBe('CHATHUB_CONFIG_INVALID')
    expect(env.message).toContain('CHATHUB_ATTACHMENTS_QUOTA_BYTES_PER_USER')
    expect(env.message).toContain('CHATHUB_ATTACHMENTS_MAX_TOTAL_BYTES')
    expect(
      loadConfig({ env: { CHATHUB_ATTACHMENTS_UNLINKED_TTL_MINUTES: '30', CHATHUB_ATTACHMENTS_SWEEP_INTERVAL_SECONDS: '0' } })
        .config.attachments,
    ).toMatchObject({ unlinkedTtlMinutes: 30, sweepIntervalSeconds: 0 })
  })
})
