// The change feed as a running hub applies it (core/changes/watcher.ts), with the writes made by the
// admin service on the hub's own database file (as the CLI does from another process).
import { beforeEach, expect, test } from 'vitest'
import { AdminService } from '#core/admin/admin-service'
import { ChatClient } from '#core/client/sdk'
import type { HubEvent } from '#core/messages/events'
import { CHANGE_FEED_KEEP_MS, pruneChangeFeed } from '#core/changes/feed'
import { CloseCodes } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub
let admin: AdminService
beforeEach(async () => {
  hub = await startHub()
  admin = new AdminService(hub.hub.db)
  return () => hub.close()
})

test('an admin member change reaches the followers and the event stream', async () => {
  const events: HubEvent[] = []
  const stop = hub.hub.events.subscribe((e) => events.push(e))
  const [bob, carol] = await Promise.all([hub.connect('bob'), hub.connect('carol')])
  admin.createRoom({ name: 'club', isPrivate: false, topic: '', owner: 'bob' })
  await bob.join('club')
  await carol.join('club')
  await bob.next('joined', (f) => f.user === 'carol')

  admin.removeMember('club', 'carol')
  expect(await carol.next('kicked', (f) => f.room === 'club')).toMatchObject({ by: 'admin' })
  await bob.next('left', (f) => f.user === 'carol')
  admin.setMember('club', 'carol', 'moderator')
  await bob.next('joined', (f) => f.user === 'carol')
  stop()
  expect(events.filter((e) => e.type === 'membership')).toEqual([
    expect.objectContaining({ user: 'carol', change: 'joined' }), // her own join
    expect.objectContaining({ user: 'carol', change: 'kicked', by: 'admin' }),
    expect.objectContaining({ user: 'carol', change: 'joined' }),
  ])
  // Her new role is in force at once: a moderator may kick a member.
  const dave = await hub.connect('dave')
  await dave.join('club')
  await carol.kick('club', 'dave')
  expect(await dave.next('kicked', (f) => f.room === 'club')).toMatchObject({ by: 'carol' })
})

test('ended sessions close; a session issued after the change stays open', async () => {
  const alice = await hub.connect('alice')
  admin.disableUser('alice')
  expect(await alice.closed(5000)).toBe(CloseCodes.sessionRevoked)

  // A password change ends the sessions it found; a login right after it (before the hub reads the
  // feed) keeps its socket.
  await hub.addUser('erin', 'a long enough password')
  const before = await hub.connect('erin')
  await admin.setPassword('erin', 'another long password', {
    minPasswordLength: 12,
    argon2: { memoryKiB: 19456, passes: 2 },
  })
  const fresh = await ChatClient.connect(hub.url, hub.token('erin'))
  expect(await before.closed(5000)).toBe(CloseCodes.sessionRevoked)
  // The feed row was applied (before closed); the fresh session still answers.
  expect((await fresh.rooms()).rooms).toEqual([])
  await fresh.close()
})

test('the feed is pruned: rows older than a day go, in short batches; newer ones stay', async () => {
  const sqlite = hub.hub.db.$client
  const now = Date.now()
  const insert = sqlite.prepare("INSERT INTO change_feed (kind, created_at) VALUES ('user.added', ?)")
  for (let i = 0; i < 5; i++) insert.run(now - CHANGE_FEED_KEEP_MS - 60_000)
  insert.run(now - 60_000)
  const count = () => (sqlite.prepare('SELECT count(*) AS n FROM change_feed').get() as { n: number }).n
  const before = count()
  expect(pruneChangeFeed(sqlite, now, CHANGE_FEED_KEEP_MS, 3)).toBe(3)
  expect(pruneChangeFeed(sqlite, now)).toBe(2)
  expect(pruneChangeFeed(sqlite, now)).toBe(0)
  expect(count()).toBe(before - 5)
})
