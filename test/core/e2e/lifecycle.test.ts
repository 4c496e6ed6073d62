// An E2E room over its life, beyond the frames: a Commit that fails to store gives its epoch back (the
// same Commit is taken afterwards), the retention sweep deletes MLS rows and empties the anchors of
// their ciphertext, and deleting the room purges its Welcomes and pending removals with it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { AdminService } from '#core/admin/admin-service'
import type { ChatClient } from '#core/client/sdk'
import { sweepRetention } from '#core/retention/sweep'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal } from '../support.ts'
import { bindDevice, keyPackage, Member, newDevice, sendMls, type TestDevice } from './mls-kit.ts'

let h: TestHub
let alice: ChatClient
let aliceDev: TestDevice

beforeAll(async () => {
  h = await startHub()
  alice = await h.connect('alice')
  aliceDev = await newDevice('alice', 'alice-laptop')
  await bindDevice(alice, aliceDev)
})
afterAll(() => h.close())

const count = (sql: string, ...args: unknown[]): number =>
  (h.hub.db.$client.prepare(sql).get(...args) as { n: number }).n

const e2eRoom = async (name: string) => {
  const group = (await alice.request('create', { room: name, e2e: true })).e2e?.group ?? ''
  await alice.join(name)
  return Member.create(aliceDev, group)
}

describe('an E2E room over its life', () => {
  test('a Commit that fails to store gives its epoch back; the same Commit is taken afterwards', async () => {
    const a = await e2eRoom('fragile')
    const commit = await a.commit()
    // The commit's transaction fails (a trigger on the hub's own connection), as a failing disk would.
    const sqlite = h.hub.db.$client
    sqlite.exec(
      "CREATE TEMP TRIGGER fail_epoch BEFORE UPDATE OF e2e_epoch ON main.rooms BEGIN SELECT RAISE(ABORT, 'test: storage failed'); END",
    )
    try {
      expect(
        (await refusal(sendMls(alice, 'fragile', commit.data, { groupInfo: commit.groupInfo })))
          .code,
      ).toBe('CHATHUB_INTERNAL')
    } finally {
      sqlite.exec('DROP TRIGGER fail_epoch')
    }
    expect(await alice.request('groupinfo', { room: 'fragile' })).toEqual(
      expect.objectContaining({ epoch: 0 }),
    )
    expect(
      count(
        "SELECT count(*) AS n FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = 'fragile'",
      ),
    ).toBe(0)
    const taken = await sendMls(alice, 'fragile', commit.data, { groupInfo: commit.groupInfo })
    expect(taken).toMatchObject({ seq: 1, epoch: 1, duplicate: false })
    a.state = commit.newState
    expect(await alice.request('groupinfo', { room: 'fragile' })).toMatchObject({
      epoch: 1,
      groupInfo: commit.groupInfo,
    })
  })

  test('retention deletes MLS rows; the anchors it keeps lose their ciphertext', async () => {
    const a = await e2eRoom('ageing')
    for (let i = 0; i < 3; i++) await sendMls(alice, 'ageing', await a.encrypt(`old ${i}`))
    new AdminService(h.hub.db).updateRoom('ageing', { retentionDays: 1 })
    const report = await sweepRetention(h.hub.db, {
      now: Date.now() + 2 * 86_400_000,
      defaultDays: 0,
      actor: 'test',
    })
    expect(report.rooms.find((r) => r.room === 'ageing')?.messages).toBe(3)
    const rows = h.hub.db.$client
      .prepare(
        "SELECT m.seq, m.mls, m.mls_device AS device, m.deleted_at AS deletedAt FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = 'ageing'",
      )
      .all() as {
      seq: number
      mls: Buffer | null
      device: string | null
      deletedAt: number | null
    }[]
    // Only the newest row stays (it holds the room's seq), with no ciphertext left.
    expect(rows).toEqual([{ seq: 3, mls: null, device: null, deletedAt: expect.any(Number) }])
    const page = await alice.request('history', { room: 'ageing' })
    expect(page.messages.map((m) => m.mls)).toEqual([undefined])
  })

  test('deleting the room purges its Welcomes and pending removals', async () => {
    const a = await e2eRoom('doomed')
    const bobDev = await newDevice('bob', 'bob-laptop')
    const bob = await h.connect('bob')
    await bindDevice(bob, bobDev)
    const kp = await keyPackage(bobDev)
    await bob.request('keypackages', { packages: [kp.b64] })
    await bob.join('doomed')
    const claimed = await alice.request('claim', { room: 'doomed', user: 'bob' })
    const commit = await a.commit({ add: claimed.packages.map((p) => p.data) })
    await sendMls(alice, 'doomed', commit.data, {
      groupInfo: commit.groupInfo,
      welcome: commit.welcome,
      to: ['bob'],
    })
    await bob.request('leave', { room: 'doomed' })
    // bob left: his Welcome went at once, his leaves wait for removal.
    expect(
      count(
        "SELECT count(*) AS n FROM e2e_welcomes w JOIN rooms r ON r.id = w.room_id WHERE r.name = 'doomed'",
      ),
    ).toBe(0)
    expect(await alice.next('e2e.remove', (e) => e.room === 'doomed')).toMatchObject({
      users: ['bob'],
    })
    const roomId = (
      h.hub.db.$client.prepare("SELECT id FROM rooms WHERE name = 'doomed'").get() as { id: number }
    ).id
    expect(count('SELECT count(*) AS n FROM e2e_pending_removals WHERE room_id = ?', roomId)).toBe(
      1,
    )

    await new AdminService(h.hub.db).deleteRoom('doomed')
    expect(count('SELECT count(*) AS n FROM rooms WHERE id = ?', roomId)).toBe(0)
    expect(count('SELECT count(*) AS n FROM e2e_pending_removals WHERE room_id = ?', roomId)).toBe(
      0,
    )
    expect(count('SELECT count(*) AS n FROM e2e_welcomes WHERE room_id = ?', roomId)).toBe(0)
    expect(count('SELECT count(*) AS n FROM messages WHERE room_id = ?', roomId)).toBe(0)
    // The running hub drops it (change feed): its followers are told, and it no longer exists for alice.
    expect(await alice.next('kicked', (k) => k.room === 'doomed')).toMatchObject({
      reason: 'room deleted',
    })
    expect((await refusal(alice.request('groupinfo', { room: 'doomed' }))).code).toBe(
      'CHATHUB_ROOM_NOT_FOUND',
    )
  })
})
