// The admin CLI on a data directory: users and rooms, --json listings, and error codes.
import { expect, test } from 'vitest'
import { errorCode, json, runCli, tempDir } from '#test/helpers/run-cli'

const PASSWORD = 'correct horse battery\n'

test(
  'users: add, list, passwd, disable, enable, remove, with their errors',
  { timeout: 120_000 },
  async () => {
    const dataDir = tempDir()
    const cli = (args: string[], input?: string) =>
      runCli([...args, '--data-dir', dataDir], { input })

    const alice = await cli(
      ['user', 'add', 'alice', '--admin', '--password-stdin', '--json'],
      PASSWORD,
    )
    expect(alice.code, alice.stderr).toBe(0)
    expect(json(alice)).toMatchObject({ name: 'alice', admin: true, disabled: false })

    const [bob, dup, weak, noTty, badName] = await Promise.all([
      cli(['user', 'add', 'bob', '--password-stdin'], PASSWORD),
      cli(['user', 'add', 'alice', '--password-stdin', '--json'], PASSWORD),
      cli(['user', 'add', 'carol', '--password-stdin', '--json'], 'short\n'),
      cli(['user', 'add', 'carol']),
      cli(['user', 'add', 'Not Valid', '--password-stdin', '--json'], PASSWORD),
    ])
    expect(bob.code, bob.stderr).toBe(0)
    expect(bob.stdout).toContain('added user bob')
    expect([dup.code, errorCode(dup)]).toEqual([1, 'CHATHUB_USER_EXISTS'])
    expect([weak.code, errorCode(weak)]).toEqual([1, 'CHATHUB_PASSWORD_WEAK'])
    // No terminal and no --password-stdin: a clear error rather than a hang.
    expect(noTty.code).toBe(1)
    expect(noTty.stderr).toContain('CHATHUB_PASSWORD_REQUIRED')
    expect([badName.code, errorCode(badName)]).toEqual([1, 'CHATHUB_INPUT_INVALID'])
    // Offline, there is no wire protocol to speak of: the message is about the name.
    expect(badName.stdout).toContain('is not a valid user name')
    expect(badName.stdout + badName.stderr).not.toMatch(/frame/i)

    const [passwd, disable, missing] = await Promise.all([
      cli(['user', 'passwd', 'bob', '--password-stdin'], 'another long password\n'),
      cli(['user', 'disable', 'alice']),
      cli(['user', 'disable', 'ghost', '--json']),
    ])
    expect(passwd.code, passwd.stderr).toBe(0)
    expect(disable.code, disable.stderr).toBe(0)
    expect([missing.code, errorCode(missing)]).toEqual([1, 'CHATHUB_USER_NOT_FOUND'])

    const listed = await cli(['user', 'list', '--json'])
    expect(json(listed)).toEqual([
      expect.objectContaining({ name: 'alice', admin: true, disabled: true, kind: 'person' }),
      expect.objectContaining({ name: 'bob', admin: false, disabled: false }),
    ])
    expect(listed.stdout).not.toContain('argon2')

    const [enable, remove] = await Promise.all([
      cli(['user', 'enable', 'alice']),
      cli(['user', 'remove', 'bob']),
    ])
    expect(enable.code, enable.stderr).toBe(0)
    expect(remove.code, remove.stderr).toBe(0)
    const [text, removedAgain] = await Promise.all([
      cli(['user', 'list']),
      cli(['user', 'remove', 'bob', '--json']),
    ])
    expect(text.stdout.trim()).toMatch(/^alice\s+admin$/)
    expect(errorCode(removedAgain)).toBe('CHATHUB_USER_NOT_FOUND')
  },
)

test('rooms: create, list, members, delete, with their errors', { timeout: 120_000 }, async () => {
  const dataDir = tempDir()
  const cli = (args: string[], input?: string) =>
    runCli([...args, '--data-dir', dataDir], { input })
  expect((await cli(['user', 'add', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0)

  const [general, ops] = await Promise.all([
    cli(['room', 'create', 'general', '--topic', 'everything else', '--owner', 'alice', '--json']),
    cli(['room', 'create', 'ops', '--private']),
  ])
  expect(json(general)).toEqual({
    name: 'general',
    private: false,
    topic: 'everything else',
    owner: 'alice',
  })
  expect(ops.stdout).toContain('created private room ops')

  const [exists, noOwner, badName, list, members, unknown] = await Promise.all([
    cli(['room', 'create', 'general', '--json']),
    cli(['room', 'create', 'dev', '--owner', 'ghost', '--json']),
    cli(['room', 'create', 'No Spaces', '--json']),
    cli(['room', 'list', '--json']),
    cli(['room', 'members', 'general', '--json']),
    cli(['room', 'members', 'nope']),
  ])
  expect(errorCode(exists)).toBe('CHATHUB_ROOM_EXISTS')
  expect(errorCode(noOwner)).toBe('CHATHUB_USER_NOT_FOUND')
  expect(errorCode(badName)).toBe('CHATHUB_INPUT_INVALID')
  expect(json(list)).toEqual([
    expect.objectContaining({
      name: 'general',
      private: false,
      topic: 'everything else',
      members: 1,
      seq: 0,
    }),
    expect.objectContaining({ name: 'ops', private: true, members: 0 }),
  ])
  expect(json(members)).toEqual([expect.objectContaining({ user: 'alice', role: 'owner' })])
  expect(unknown.code).toBe(1)
  expect(unknown.stderr).toContain('CHATHUB_ROOM_NOT_FOUND')

  const deleted = await cli(['room', 'delete', 'ops'])
  expect(deleted.code, deleted.stderr).toBe(0)
  const [after, again] = await Promise.all([
    cli(['room', 'list']),
    cli(['room', 'delete', 'ops', '--json']),
  ])
  expect(after.stdout).toMatch(/^general\s+public\s+1 member\s+0 messages\s+everything else\n$/)
  expect(errorCode(again)).toBe('CHATHUB_ROOM_NOT_FOUND')
})
