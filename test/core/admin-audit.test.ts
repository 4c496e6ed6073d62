// Every admin action goes into the hash-chained audit log in the same transaction as the change: the
// data-directory writes of the admin service (actor `data-dir`), a moderator's kicks, bans, unbans and
// role changes, rooms created by users, and a user's own password change. A refused action leaves no
// row. The chain verifies after all of it.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { AdminService } from '#core/admin/admin-service'
import { type AuditRecord, listAudit, verifyAudit } from '#core/audit/audit-log'
import { httpCall } from '#core/client/sdk'
import { isChatError } from '#core/errors'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub
let admin: AdminService
const policy = { minPasswordLength: 12, argon2: { memoryKiB: 19456, passes: 2 } }

beforeAll(async () => {
  hub = await startHub({ rooms: { usersCanCreate: true } })
  admin = new AdminService(hub.hub.db)
})
afterAll(() => hub.close())

/** The rows appended while `fn` ran. */
const rowsOf = async (fn: () => unknown): Promise<AuditRecord[]> => {
  const before = listAudit(hub.hub.db).length
  await fn()
  return listAudit(hub.hub.db).slice(before)
}

const code = async (fn: () => unknown): Promise<string> => {
  try {
    await fn()
  } catch (err) {
    if (isChatError(err)) return err.code
    throw err
  }
  throw new Error('expected an error')
}

test('the admin service audits every user and room change as data-dir', async () => {
  const rows = await rowsOf(async () => {
    await admin.addUser({ name: 'ann', password: 'a long password 1' }, policy)
    await admin.setPassword('ann', 'a long password 2', policy)
    admin.disableUser('ann')
    admin.enableUser('ann')
    admin.createRoom({ name: 'ops', isPrivate: true, topic: 'on call', owner: 'ann' })
    admin.updateRoom('ops', { topic: 'pager' })
    await admin.addUser({ name: 'ben', password: 'a long password 3' }, policy)
    admin.setMember('ops', 'ben', 'moderator')
    admin.removeMember('ops', 'ben')
    admin.linkBridge('ops', 'irc:irc.example.org/#ops', [])
    admin.unlinkBridge('ops', 'irc:irc.example.org/#ops', false)
    await admin.deleteRoom('ops')
    await admin.removeUser('ben')
  })
  expect(rows.map((r) => [r.actor, r.action, r.target])).toEqual([
    ['data-dir', 'user.added', 'ann'],
    ['data-dir', 'user.password_changed', 'ann'],
    ['data-dir', 'user.disabled', 'ann'],
    ['data-dir', 'user.enabled', 'ann'],
    ['data-dir', 'room.created', 'ops'],
    ['data-dir', 'room.changed', 'ops'],
    ['data-dir', 'user.added', 'ben'],
    ['data-dir', 'room.member_set', 'ben'],
    ['data-dir', 'room.member_removed', 'ben'],
    ['data-dir', 'bridge.linked', 'ops'],
    ['data-dir', 'bridge.unlinked', 'ops'],
    ['data-dir', 'room.deleted', 'ops'],
    ['data-dir', 'user.removed', 'ben'],
  ])
  expect(rows[5]?.detail).toEqual({ topic: 'pager' })
  expect(rows[7]?.detail).toEqual({ room: 'ops', role: 'moderator', previous: null })
  expect(rows[9]?.detail).toEqual({ target: 'irc:irc.example.org/#ops' })
  // Never a password or its hash.
  expect(JSON.stringify(rows)).not.toMatch(/long password|argon2/)
  expect(verifyAudit(hub.hub.db).ok).toBe(true)
})

test('a refused admin change writes no audit row', async () => {
  const rows = await rowsOf(async () => {
    expect(await code(() => admin.disableUser('nobody-here'))).toBe('CHATHUB_USER_NOT_FOUND')
    expect(await code(() => admin.removeMember('general-none', 'ann'))).toBe('CHATHUB_ROOM_NOT_FOUND')
    expect(await code(() => admin.setPassword('ann', 'short', policy))).toBe('CHATHUB_PASSWORD_WEAK')
  })
  expect(rows).toEqual([])
})

test("a moderator's kick, ban, unban and role change are audited with the moderator as actor", async () => {
  const owner = await hub.connect('olga')
  const carl = await hub.connect('carl')
  const dan = await hub.connect('dan')
  const rows = await rowsOf(async () => {
    await owner.create('crew')
    await carl.join('crew')
    await dan.join('crew')
    await owner.request('role', { room: 'crew', user: 'carl', role: 'moderator' })
    await carl.kick('crew', 'dan', 'spam')
    await carl.ban('crew', 'dan')
    await carl.request('unban', { room: 'crew', user: 'dan' })
    await carl.request('topic', { room: 'crew', topic: 'ship it' })
  })
  expect(rows.map((r) => [r.actor, r.action, r.target, r.detail])).toEqual([
    ['olga', 'room.created', 'crew', { private: false, owner: 'olga' }],
    ['olga', 'room.role_changed', 'carl', { room: 'crew', role: 'moderator', previous: 'member' }],
    ['carl', 'room.kicked', 'dan', { room: 'crew', reason: 'spam' }],
    ['carl', 'room.banned', 'dan', { room: 'crew' }],
    ['carl', 'room.unbanned', 'dan', { room: 'crew' }],
    ['carl', 'room.topic_changed', 'crew', { topic: 'ship it' }],
  ])
  // Refused: kicking someone who is not a member, and a member who is not a moderator.
  const refused = await rowsOf(async () => {
    expect(await code(() => carl.kick('crew', 'dan'))).toBe('CHATHUB_ROOM_NOT_MEMBER')
    await dan.join('crew')
    expect(await code(() => dan.kick('crew', 'carl'))).toBe('CHATHUB_FORBIDDEN')
    expect(await code(() => dan.request('role', { room: 'crew', user: 'carl', role: 'member' }))).toBe('CHATHUB_FORBIDDEN')
  })
  expect(refused).toEqual([])
  expect(verifyAudit(hub.hub.db).ok).toBe(true)
})

test("a user's own password change is audited with the user as actor", async () => {
  await hub.addUser('eve', 'a long password 4')
  const login = await httpCall<{ token: string }>(hub.url, '/api/v1/login', {
    method: 'POST',
    body: { user: 'eve', password: 'a long password 4' },
  })
  let token = ''
  const rows = await rowsOf(async () => {
    ;({ token } = await httpCall<{ token: string }>(hub.url, '/api/v1/password', {
      method: 'POST',
      token: login.token,
      body: { current: 'a long password 4', password: 'a long password 5' },
    }))
  })
  expect(rows.map((r) => [r.actor, r.action, r.target, r.detail])).toEqual([
    ['eve', 'user.password_changed', 'eve', { via: 'self' }],
  ])
  // A wrong current password changes nothing and writes nothing.
  const wrong = await rowsOf(async () => {
    const err = await code(() =>
      httpCall(hub.url, '/api/v1/password', {
        method: 'POST',
        token,
        body: { current: 'not it at all', password: 'a long password 6' },
      }),
    )
    expect(err).toBe('CHATHUB_AUTH_FAILED')
  })
  expect(wrong).toEqual([])
})
