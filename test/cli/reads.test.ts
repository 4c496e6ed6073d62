// Unread counts from the command line, as whole processes against a running hub: `chathub rooms`
// shows what is unread and who mentioned you, `chathub history` reads (and moves the marker, which
// the user's open connections hear of) unless --keep-unread, and an admin's `room set
// --read-receipts` (or a moderator's `chathub receipts`) reaches the room's followers at once.
import { rmSync } from 'node:fs'
import { beforeEach, expect, test } from 'vitest'
import type { RoomSummary } from '#core/protocol/messages'
import { credentialsHome, errorCode, json, runCli, tempDir } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'


let hub: TestHub
let dataDir: string
/** A CHATHUB_HOME holding a session for `name` (as `chathub login` would write it). */
const homeFor = (name: string): Record<string, string> =>
  credentialsHome(hub.url, name, hub.token(name))

beforeEach(async () => {
  dataDir = tempDir('chathub-reads-')
  hub = await startHub({}, { dataDir })
  return async () => {
    await hub.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})

test(
  'rooms shows unread and mentions; history reads them, --keep-unread does not',
  { timeout: 120_000 },
  async () => {
    const alice = await hub.connect('alice')
    const bobOnline = await hub.connect('bob') // bob's open chat elsewhere: it hears of the read
    await alice.create('general', { topic: 'everything' })
    await alice.join('general')
    await bobOnline.join('general')
    await alice.say('general', 'morning')
    await alice.say('general', '@bob can you look at the deploy?')
    await alice.say('general', 'thanks')
    const bob = homeFor('bob')

    const [listing, text] = await Promise.all([
      runCli(['rooms', '--json'], { env: bob }),
      runCli(['rooms'], { env: bob }),
    ])
    expect(json<RoomSummary[]>(listing).find((r) => r.name === 'general')).toMatchObject({
      seq: 3,
      unread: 3,
      mentions: 1,
    })
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(
      /^general\s+public\s+2 members\s+member\s+everything {2}\(3 unread, 1 mention\)$/m,
    )

    const kept = await runCli(['history', '--room', 'general', '--keep-unread'], { env: bob })
    expect(kept.code, kept.stderr).toBe(0)
    expect(kept.stdout).toMatch(/^#2 \d\d:\d\d alice: @bob can you look at the deploy\?$/m)
    expect(
      json<RoomSummary[]>(await runCli(['rooms', '--json'], { env: bob })).find(
        (r) => r.name === 'general',
      ),
    ).toMatchObject({ unread: 3 })

    const read = await runCli(['history', '--room', 'general', '--json'], { env: bob })
    expect(json(read)).toMatchObject({
      room: 'general',
      messages: [{ seq: 1 }, { seq: 2 }, { seq: 3 }],
    })
    expect(await bobOnline.next('read')).toEqual({
      type: 'read',
      room: 'general',
      seq: 3,
      unread: 0,
      mentions: 0,
    })
    const after = json<RoomSummary[]>(await runCli(['rooms', '--json'], { env: bob }))
    expect(after.find((r) => r.name === 'general')).toMatchObject({
      seq: 3,
      unread: 0,
      mentions: 0,
    })
    expect((await runCli(['rooms'], { env: bob })).stdout).toMatch(
      /^general\s+public\s+2 members\s+member\s+everything$/m,
    )

    // `chathub chat` reads too: what it showed is read when it ends (here at EOF of its stdin).
    await alice.say('general', 'one more, @bob')
    const chat = await runCli(['chat', '--room', 'general'], { env: bob, input: '' })
    expect(chat.code, chat.stderr).toBe(0)
    expect(chat.stdout).toMatch(/^#4 \d\d:\d\d alice: one more, @bob$/m)
    expect(
      json<RoomSummary[]>(await runCli(['rooms', '--json'], { env: bob })).find(
        (r) => r.name === 'general',
      ),
    ).toMatchObject({ seq: 4, unread: 0, mentions: 0 })

    // Reading a public room one is not a member of shows it and moves no marker; the rooms list of a
    // non-member has no counts.
    const carol = homeFor('carol')
    const [visitor, visitorRooms] = await Promise.all([
      runCli(['history', '--room', 'general'], { env: carol }),
      runCli(['rooms', '--json'], { env: carol }),
    ])
    expect(visitor.code, visitor.stderr).toBe(0)
    expect(json<RoomSummary[]>(visitorRooms).find((r) => r.name === 'general')).not.toHaveProperty(
      'unread',
    )
  },
)

test(
  'room set --read-receipts on|off reaches the followers of the running hub',
  { timeout: 120_000 },
  async () => {
    const alice = await hub.connect('alice')
    await alice.create('ops')
    await alice.join('ops')
    const admin = (args: string[]) => runCli([...args, '--data-dir', dataDir])

    const on = await admin(['room', 'set', 'ops', '--read-receipts', 'on', '--json'])
    expect(json(on)).toMatchObject({ name: 'ops', private: false, topic: '', readReceipts: true })
    expect(await alice.next('receipts')).toEqual({
      type: 'receipts',
      room: 'ops',
      enabled: true,
      by: 'admin',
    })
    const off = await admin(['room', 'set', 'ops', '--read-receipts', 'off'])
    expect(off.stdout).toBe('ops: public, no topic\n')
    expect(await alice.next('receipts')).toMatchObject({ enabled: false, by: 'admin' })

    // The owner (or a moderator) from a client; a member may not.
    const bob = await hub.connect('bob')
    await bob.join('ops')
    const [owner, member] = await Promise.all([
      runCli(['receipts', '--room', 'ops', 'on', '--json'], { env: homeFor('alice') }),
      runCli(['receipts', '--room', 'ops', 'off', '--json'], { env: homeFor('bob') }),
    ])
    expect(json(owner)).toEqual({ room: 'ops', enabled: true })
    expect(errorCode(member)).toBe('CHATHUB_FORBIDDEN')
    expect(await bob.next('receipts')).toEqual({
      type: 'receipts',
      room: 'ops',
      enabled: true,
      by: 'alice',
    })
    const text = await runCli(['receipts', '--room', 'ops', 'off'], { env: homeFor('alice') })
    expect(text.stdout).toBe('read receipts in ops: off\n')

    expect(errorCode(await admin(['room', 'set', 'ops', '--json']))).toBe('CHATHUB_INPUT_INVALID')
    const bad = await admin(['room', 'set', 'ops', '--read-receipts', 'maybe'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/on, off/)
  },
)
