// The admin CLI against the data directory of a running hub: changes reach open connections at once.
import { rmSync } from 'node:fs'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { CloseCodes } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { json, runCli, tempDir } from '#test/helpers/run-cli'

let hub: TestHub
let dataDir: string
beforeEach(async () => {
  dataDir = tempDir('chathub-live-')
  hub = await startHub({}, { dataDir })
})
afterEach(async () => {
  await hub.close()
  rmSync(dataDir, { recursive: true, force: true })
})

test(
  'disable, passwd and remove close the user’s open WebSockets (4002); a created room is usable at once',
  { timeout: 120_000 },
  async () => {
    const cli = (args: string[], input?: string) =>
      runCli([...args, '--data-dir', dataDir], { input })
    const [bob, carol, dave] = await Promise.all([
      hub.connect('bob'),
      hub.connect('carol'),
      hub.connect('dave'),
    ])
    const created = await cli(['room', 'create', 'fresh', '--owner', 'bob'])
    expect(created.code, created.stderr).toBe(0)
    // The running hub sees the room created on its data directory, with bob as owner.
    await bob.join('fresh')
    expect((await bob.members('fresh')).members).toEqual([
      expect.objectContaining({ user: 'bob', role: 'owner' }),
    ])

    const started = Date.now()
    const [disabled, passwd, removed] = await Promise.all([
      cli(['user', 'disable', 'bob']),
      cli(['user', 'passwd', 'carol', '--password-stdin'], 'a brand new password\n'),
      cli(['user', 'remove', 'dave']),
    ])
    expect(
      [disabled.code, passwd.code, removed.code],
      disabled.stderr + passwd.stderr + removed.stderr,
    ).toEqual([0, 0, 0])
    const codes = await Promise.all([bob.closed(5000), carol.closed(5000), dave.closed(5000)])
    expect(codes).toEqual([
      CloseCodes.sessionRevoked,
      CloseCodes.sessionRevoked,
      CloseCodes.sessionRevoked,
    ])
    expect(Date.now() - started).toBeLessThan(60_000)

    // The disabled account can no longer log in; the new password works for carol.
    await expect(ChatClient.login(hub.url, 'carol', 'a brand new password')).resolves.toMatchObject(
      { user: 'carol' },
    )
    const users = json<{ name: string; disabled: boolean }[]>(await cli(['user', 'list', '--json']))
    expect(users.map((u) => [u.name, u.disabled])).toEqual([
      ['bob', true],
      ['carol', false],
    ])
  },
)

test(
  'room member remove/add and room set --private are enforced by the running hub at once',
  { timeout: 120_000 },
  async () => {
    const cli = (args: string[]) => runCli([...args, '--data-dir', dataDir])
    const [bob, carol, dave] = await Promise.all([
      hub.connect('bob'),
      hub.connect('carol'),
      hub.connect('dave'),
    ])
    expect((await cli(['room', 'create', 'club', '--owner', 'bob'])).code).toBe(0)
    // The hub now holds club (public, members bob and carol) in memory.
    await bob.join('club')
    await carol.join('club')
    await bob.next('joined', (f) => f.user === 'carol')

    // carol taken out: her socket is told and stops getting the room, bob sees her leave.
    const removed = await cli(['room', 'member', 'remove', 'club', 'carol', '--json'])
    expect(json(removed)).toEqual({
      room: 'club',
      user: 'carol',
      role: 'member',
      previous: 'member',
    })
    expect(await carol.next('kicked', (f) => f.room === 'club')).toMatchObject({
      by: 'admin',
      banned: false,
    })
    await bob.next('left', (f) => f.user === 'carol')
    await expect(carol.say('club', 'still here?')).rejects.toMatchObject({
      code: 'CHATHUB_ROOM_NOT_MEMBER',
    })

    // club made private, then dave made a moderator: the hub applies the changes in order, so once
    // bob sees dave join, the privacy is applied too.
    expect((await cli(['room', 'set', 'club', '--private', '--topic', 'members only'])).code).toBe(
      0,
    )
    expect((await cli(['room', 'member', 'add', 'club', 'dave', '--role', 'moderator'])).code).toBe(
      0,
    )
    await bob.next('joined', (f) => f.user === 'dave')
    // carol, no longer a member and not invited, can neither see nor join it.
    await expect(carol.members('club')).rejects.toMatchObject({ code: 'CHATHUB_ROOM_NOT_FOUND' })
    await expect(carol.join('club')).rejects.toMatchObject({ code: 'CHATHUB_ROOM_NOT_FOUND' })
    // dave, a moderator without joining, may write and invite to the private room.
    await dave.say('club', 'hello from dave')
    expect(await bob.next('message', (f) => f.room === 'club')).toMatchObject({
      from: 'dave',
      text: 'hello from dave',
    })
    await dave.invite('club', 'carol')
    await carol.join('club')
    expect((await bob.rooms()).rooms).toEqual([
      expect.objectContaining({ name: 'club', private: true, topic: 'members only', members: 3 }),
    ])
  },
)
