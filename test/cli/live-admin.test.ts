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
