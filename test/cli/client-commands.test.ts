// The client commands for what the protocol has, as whole processes against one running hub (with the
// totp plugin, for `passwd`'s step-up): create, topic, members, role, rooms with invitations, send
// --reply-to, edit, delete, --dm on them, kick/ban/unban, download and passwd — each with --json and
// the protocol's error codes for bad input.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { ChatClient, httpCall } from '#core/client/sdk'
import type { MemberView, MessageView } from '#core/protocol/messages'
import { type CliResult, credentialsHome, errorCode, json, runCli, startCli, tempDir } from '#test/helpers/run-cli'
import {
  codeFor,
  enrol,
  login,
  PASSWORD,
  startTotpHub,
  type TotpHub,
} from '#test/plugins/totp/helpers'


let hub: TotpHub
/** CHATHUB_HOME of each user, holding a session (as `chathub login` writes it). */
const homes = new Map<string, Record<string, string>>()
const homeOf = (user: string): Record<string, string> => {
  let env = homes.get(user)
  if (!env) {
    env = credentialsHome(hub.url, user, hub.token(user))
    homes.set(user, env)
  }
  return env
}
/** `args` run as `user`; a busy machine may take its time with a batch of them. */
const as = (user: string, args: string[], options: { input?: string; cwd?: string } = {}) =>
  runCli(args, { ...options, env: homeOf(user), timeoutMs: 120_000 })
/** Run in parallel; the results in order. */
const all = <T extends Promise<CliResult>[]>(...runs: T) => Promise.all(runs)
const ok = (r: CliResult) => {
  expect(r.code, r.stderr).toBe(0)
  return r
}

let alice: ChatClient
let bob: ChatClient
let carol: ChatClient

beforeAll(async () => {
  hub = await startTotpHub()
  ;[alice, bob, carol] = await Promise.all([
    hub.connect('alice'),
    hub.connect('bob'),
    hub.connect('carol'),
  ])
}, 60_000)
afterAll(() => hub.close())

test('create, topic, members, role and rooms with invitations', { timeout: 300_000 }, async () => {
  const [created, priv, badName] = await all(
    as('alice', ['create', 'general', '--topic', 'everything', '--json']),
    as('alice', ['create', 'ops', '--private']),
    as('alice', ['create', 'Bad_Name', '--json']),
  )
  const again = await as('alice', ['create', 'general', '--json'])
  expect(json(created)).toEqual({ room: 'general', private: false, topic: 'everything' })
  expect(ok(priv).stdout).toBe(
    'created ops (private); you are its owner. Invite people with `chathub invite ops USER`\n',
  )
  expect(errorCode(again)).toBe('CHATHUB_ROOM_EXISTS')
  expect(errorCode(badName)).toBe('CHATHUB_FRAME_INVALID')

  await alice.join('general')
  await alice.invite('ops', 'bob')
  await alice.invite('general', 'carol')
  const [bobRooms, bobText] = await all(as('bob', ['rooms', '--json']), as('bob', ['rooms']))
  expect(json(bobRooms)).toEqual([
    { name: 'general', private: false, kind: 'room', topic: 'everything', members: 1, seq: 0 },
    {
      name: 'ops',
      private: true,
      kind: 'room',
      topic: '',
      members: 1,
      seq: 0,
      invitation: { by: 'alice', at: expect.any(Number) },
    },
  ])
  expect(ok(bobText).stdout).toMatch(
    /^general\s+public\s+1 member\s+-\s+everything\n\ninvitations \(join with `chathub join ROOM`\):\nops\s+private\s+1 member\s+from alice\n$/,
  )
  await bob.join('general')
  await bob.join('ops')
  await carol.join('general')
  expect(json(await as('bob', ['rooms', '--json']))).toEqual([
    expect.not.objectContaining({ invitation: expect.anything() }),
    expect.not.objectContaining({ invitation: expect.anything() }),
  ])

  const [role, notOwner, noUser, badRole] = await all(
    as('alice', ['role', '--room', 'general', 'bob', 'moderator', '--json']),
    as('bob', ['role', '--room', 'general', 'carol', 'moderator', '--json']),
    as('alice', ['role', '--room', 'general', 'nobody', 'moderator', '--json']),
    as('alice', ['role', '--room', 'general', 'bob', 'admin']),
  )
  expect(json(role)).toEqual({ room: 'general', user: 'bob', role: 'moderator' })
  expect(errorCode(notOwner)).toBe('CHATHUB_FORBIDDEN')
  expect(errorCode(noUser)).toBe('CHATHUB_USER_NOT_FOUND')
  expect(badRole.code).not.toBe(0)

  const [topic, members, membersText] = await all(
    as('bob', ['topic', '--room', 'general', 'release', 'day']),
    as('carol', ['members', '--room', 'general', '--json']),
    as('carol', ['members', '--room', 'general']),
  )
  expect(ok(topic).stdout).toBe('topic of general: release day\n')
  expect(await alice.next('topic')).toMatchObject({
    room: 'general',
    topic: 'release day',
    by: 'bob',
  })
  expect(json<MemberView[]>(members)).toEqual([
    { user: 'alice', role: 'owner', online: true },
    { user: 'bob', role: 'moderator', online: true },
    { user: 'carol', role: 'member', online: true },
  ])
  expect(membersText.stdout).toMatch(
    /^alice\s+owner\s+online\nbob\s+moderator\s+online\ncarol\s+member\s+online\n$/,
  )

  const [memberTopic, outsiderTopic, privateTopic, hidden, cleared] = await all(
    as('carol', ['topic', '--room', 'general', 'mine', '--json']),
    as('dave', ['topic', '--room', 'general', 'mine', '--json']),
    as('carol', ['topic', '--room', 'ops', 'peek', '--json']),
    as('carol', ['members', '--room', 'ops', '--json']),
    as('alice', ['topic', '--room', 'ops', '', '--json']),
  )
  expect(errorCode(memberTopic)).toBe('CHATHUB_FORBIDDEN')
  expect(errorCode(outsiderTopic)).toBe('CHATHUB_ROOM_NOT_MEMBER')
  expect(errorCode(privateTopic)).toBe('CHATHUB_ROOM_NOT_FOUND')
  expect(errorCode(hidden)).toBe('CHATHUB_ROOM_NOT_FOUND')
  expect(json(cleared)).toEqual({ room: 'ops', topic: '' })

  // A chat in the room shows topic changes as they happen.
  const chat = startCli(['chat', '--room', 'general'], { env: homeOf('carol') })
  await chat.waitFor(/\* online: /, 60_000)
  await alice.topic('general', 'chat time')
  await chat.waitFor(/^\* alice set the topic: chat time$/m)
  expect((await chat.end()).code).toBe(0)
})

test('send --reply-to, edit and delete; --dm on them', { timeout: 300_000 }, async () => {
  await alice.create('dev')
  await Promise.all([alice.join('dev'), bob.join('dev')])
  const question = await bob.say('dev', 'deploy today?')
  // --dm: sending opens the conversation; acting on one needs it to exist already.
  const [answer, badReply, dm, neverTalked, nobody] = await all(
    as('alice', [
      'send',
      '--room',
      'dev',
      '--reply-to',
      String(question.seq),
      'yes, after lunch',
      '--json',
    ]),
    as('alice', ['send', '--room', 'dev', '--reply-to', '99', 'to nothing', '--json']),
    as('alice', ['send', '--dm', 'bob', 'lunch?']),
    as('alice', ['edit', '--dm', 'carol', '1', 'x', '--json']),
    as('alice', ['send', '--dm', 'nobody', 'hi', '--json']),
  )
  const sent = json<{ room: string; seq: number }>(answer)
  expect(sent).toMatchObject({ room: 'dev', duplicate: false })
  expect(await bob.next('message', (m) => m.seq === sent.seq)).toMatchObject({
    text: 'yes, after lunch',
    replyTo: question.seq,
  })
  expect(errorCode(badReply)).toBe('CHATHUB_MESSAGE_NOT_FOUND')
  expect(ok(dm).stdout).toBe('sent #1 to bob\n')
  expect(errorCode(neverTalked)).toBe('CHATHUB_DIRECT_NOT_FOUND')
  expect(errorCode(nobody)).toBe('CHATHUB_USER_NOT_FOUND')

  const seq = String(sent.seq)
  const [
    edited,
    piped,
    others,
    badSeq,
    outsider,
    privateRoom,
    empty,
    dmEdit,
    dmMembers,
    dmKick,
    both,
  ] = await all(
    as('alice', ['edit', '--room', 'dev', seq, 'yes,', 'after', 'lunch', '--json']),
    as('bob', ['edit', '--room', 'dev', String(question.seq)], { input: 'deploy today? (v42)\n' }),
    as('bob', ['edit', '--room', 'dev', seq, 'hijacked', '--json']),
    as('alice', ['edit', '--room', 'dev', '99', 'nothing', '--json']),
    as('carol', ['edit', '--room', 'dev', seq, 'x', '--json']),
    as('carol', ['delete', '--room', 'ops', '1', '--json']),
    as('alice', ['edit', '--room', 'dev', seq, '--json'], { input: '\n' }),
    as('alice', ['edit', '--dm', 'bob', '1', 'lunch at noon?']),
    as('bob', ['members', '--dm', 'alice', '--json']),
    as('alice', ['kick', '--dm', 'bob', 'bob', '--json']),
    as('alice', ['edit', '--dm', 'bob', '--room', 'dev', '1', 'x']),
  )
  expect(json(edited)).toEqual({ room: 'dev', seq: sent.seq })
  expect(ok(piped).stdout).toBe(`edited #${question.seq} in dev\n`)
  expect(errorCode(others)).toBe('CHATHUB_FORBIDDEN')
  expect(errorCode(badSeq)).toBe('CHATHUB_MESSAGE_NOT_FOUND')
  expect(errorCode(outsider)).toBe('CHATHUB_ROOM_NOT_MEMBER')
  expect(errorCode(privateRoom)).toBe('CHATHUB_ROOM_NOT_FOUND')
  expect(errorCode(empty)).toBe('CHATHUB_MESSAGE_EMPTY')
  expect(ok(dmEdit).stdout).toBe('edited #1 in your conversation with bob\n')
  expect(json<MemberView[]>(dmMembers).map((m) => [m.user, m.role])).toEqual([
    ['alice', 'member'],
    ['bob', 'member'],
  ])
  expect(errorCode(dmKick)).toBe('CHATHUB_DIRECT_ROOM_FIXED')
  expect(both.code).not.toBe(0)

  // bob is a moderator of general, not of dev (nor of a direct conversation): only his own messages.
  const [history, deleted, notOwn, gone, dmDelete] = await all(
    as('alice', ['history', '--room', 'dev']),
    as('bob', ['delete', '--room', 'dev', String(question.seq), '--json']),
    as('bob', ['delete', '--room', 'dev', seq, '--json']),
    as('alice', ['delete', '--room', 'dev', '99']),
    as('bob', ['delete', '--dm', 'alice', '1', '--json']),
  )
  expect(history.stdout).toMatch(
    new RegExp(
      `^#${seq} \\d\\d:\\d\\d alice: ↪#${question.seq} yes, after lunch \\(edited\\)$`,
      'm',
    ),
  )
  expect(json(deleted)).toEqual({ room: 'dev', seq: question.seq })
  expect(errorCode(notOwn)).toBe('CHATHUB_FORBIDDEN')
  expect(gone.stderr).toContain('CHATHUB_MESSAGE_NOT_FOUND')
  expect(errorCode(dmDelete)).toBe('CHATHUB_FORBIDDEN')
  expect(await alice.next('deleted', (d) => d.room === 'dev')).toMatchObject({
    seq: question.seq,
    by: 'bob',
  })

  const own = await as('alice', ['delete', '--dm', 'bob', '1'])
  expect(ok(own).stdout).toBe('deleted #1 in your conversation with bob\n')
  const page = json<{ messages: MessageView[] }>(
    await as('bob', ['history', '--dm', 'alice', '--json']),
  )
  expect(page.messages).toEqual([
    expect.objectContaining({ seq: 1, text: null, deletedAt: expect.any(Number) }),
  ])
})

test('kick, ban and unban', { timeout: 300_000 }, async () => {
  await alice.create('pub')
  await Promise.all([bob.join('pub'), carol.join('pub')])
  await alice.setRole('pub', 'bob', 'moderator')
  hub.token('dave')
  const [kicked, upward, nobody, notThere] = await all(
    as('bob', ['kick', '--room', 'pub', 'carol', '--reason', 'cool off', '--json']),
    as('bob', ['kick', '--room', 'pub', 'alice', '--json']),
    as('bob', ['kick', '--room', 'pub', 'nobody', '--json']),
    as('bob', ['kick', '--room', 'pub', 'dave', '--json']),
  )
  expect(json(kicked)).toEqual({ room: 'pub', user: 'carol', reason: 'cool off' })
  expect(await carol.next('kicked')).toMatchObject({
    room: 'pub',
    by: 'bob',
    reason: 'cool off',
    banned: false,
  })
  expect(errorCode(upward)).toBe('CHATHUB_FORBIDDEN')
  expect(errorCode(nobody)).toBe('CHATHUB_USER_NOT_FOUND')
  expect(errorCode(notThere)).toBe('CHATHUB_ROOM_NOT_MEMBER')

  await carol.join('pub')
  const memberKick = await as('carol', ['kick', '--room', 'pub', 'bob', '--json'])
  expect(errorCode(memberKick)).toBe('CHATHUB_FORBIDDEN')
  const banned = await as('alice', ['ban', '--room', 'pub', 'carol', '--reason', 'spam'])
  expect(ok(banned).stdout).toBe('banned carol from pub (spam)\n')
  const [join, memberBans, memberUnbans] = await all(
    as('carol', ['join', 'pub', '--json']),
    as('carol', ['ban', '--room', 'pub', 'bob', '--json']),
    as('carol', ['unban', '--room', 'pub', 'carol', '--json']),
  )
  expect(errorCode(join)).toBe('CHATHUB_ROOM_BANNED')
  expect(errorCode(memberBans)).toBe('CHATHUB_ROOM_NOT_MEMBER')
  expect(errorCode(memberUnbans)).toBe('CHATHUB_ROOM_NOT_MEMBER')
  const unbanned = await as('bob', ['unban', '--room', 'pub', 'carol', '--json'])
  expect(json(unbanned)).toEqual({ room: 'pub', user: 'carol' })
  ok(await as('carol', ['join', 'pub']))
})

test(
  'download saves an attachment byte for byte, never over a file without --force',
  { timeout: 300_000 },
  async () => {
    await alice.create('files', { private: true })
    await alice.join('files')
    await alice.invite('files', 'bob')
    await bob.join('files')
    const bytes = randomBytes(300_000)
    const one = await alice.upload('files', bytes, { name: 'data.bin' })
    const two = await alice.upload('files', Buffer.from('second file\n'), { name: 'notes.txt' })
    const withFiles = await alice.say('files', 'two files', { attachments: [one.id, two.id] })
    const plain = await alice.say('files', 'no files')
    const m = String(withFiles.seq)
    const cwd = tempDir('chathub-download-')

    const saved = await as('bob', ['download', '--room', 'files', '--message', m, '--json'], {
      cwd,
    })
    expect(json(saved)).toEqual({
      room: 'files',
      seq: withFiles.seq,
      attachment: one,
      file: join(cwd, 'data.bin'),
    })
    expect(readFileSync(join(cwd, 'data.bin')).equals(bytes)).toBe(true)

    writeFileSync(join(cwd, 'notes.txt'), 'mine')
    mkdirSync(join(cwd, 'into'))
    const [exists, forced, into, human, third, noFiles, badSeq, outsider, unknown] = await all(
      as('bob', ['download', '--room', 'files', '--message', m, '--attachment', '2', '--json'], {
        cwd,
      }),
      as(
        'bob',
        [
          'download',
          '--room',
          'files',
          '--message',
          m,
          '--attachment',
          '2',
          '--out',
          'copy.txt',
          '--force',
          '--json',
        ],
        { cwd },
      ),
      as('bob', ['download', '--room', 'files', '--message', m, '--out', 'into', '--json'], {
        cwd,
      }),
      as('bob', ['download', '--room', 'files', '--message', m, '--out', 'other.bin'], { cwd }),
      as('bob', ['download', '--room', 'files', '--message', m, '--attachment', '3', '--json'], {
        cwd,
      }),
      as('bob', ['download', '--room', 'files', '--message', String(plain.seq), '--json'], { cwd }),
      as('bob', ['download', '--room', 'files', '--message', '99', '--json'], { cwd }),
      as('carol', ['download', '--room', 'files', '--message', m, '--json'], { cwd }),
      as('bob', ['download', '--room', 'nowhere', '--message', '1', '--json'], { cwd }),
    )
    expect(errorCode(exists)).toBe('CHATHUB_FILE_EXISTS')
    expect(readFileSync(join(cwd, 'notes.txt'), 'utf8')).toBe('mine')
    expect(json(forced)).toMatchObject({
      file: join(cwd, 'copy.txt'),
      attachment: { name: 'notes.txt' },
    })
    expect(readFileSync(join(cwd, 'copy.txt'), 'utf8')).toBe('second file\n')
    expect(json(into)).toMatchObject({ file: join(cwd, 'into', 'data.bin') })
    expect(readFileSync(join(cwd, 'into', 'data.bin')).equals(bytes)).toBe(true)
    expect(ok(human).stdout).toBe(
      `saved data.bin (293 KiB) of #${m} to ${join(cwd, 'other.bin')}\n` +
        `  (#${m} has 2 attachments; the next: \`chathub download --room files --message ${m} --attachment 2\`)\n`,
    )
    expect(errorCode(third)).toBe('CHATHUB_MESSAGE_NO_ATTACHMENT')
    expect(errorCode(noFiles)).toBe('CHATHUB_MESSAGE_NO_ATTACHMENT')
    expect(errorCode(badSeq)).toBe('CHATHUB_MESSAGE_NOT_FOUND')
    expect(errorCode(outsider)).toBe('CHATHUB_ROOM_NOT_FOUND')
    expect(errorCode(unknown)).toBe('CHATHUB_ROOM_NOT_FOUND')
  },
)

test(
  'passwd: the current and new password, a renewed session; a fresh two-factor code when enrolled',
  { timeout: 300_000 },
  async () => {
    const NEW = 'a much longer passphrase'
    await hub.addUser('erin', PASSWORD)
    const old = hub.token('erin')
    const erin = credentialsHome(hub.url, 'erin', old)
    const passwd = (args: string[], input?: string) =>
      runCli(['passwd', ...args], { env: erin, ...(input === undefined ? {} : { input }) })
    const [wrong, oneLine, weak, noTty] = await all(
      passwd(['--password-stdin', '--json'], `not it\n${NEW}\n`),
      passwd(['--password-stdin', '--json'], `${PASSWORD}\n`),
      passwd(['--password-stdin', '--json'], `${PASSWORD}\nshort\n`),
      passwd([]),
    )
    expect(errorCode(wrong)).toBe('CHATHUB_AUTH_FAILED')
    expect(errorCode(oneLine)).toBe('CHATHUB_PASSWORD_REQUIRED')
    expect(errorCode(weak)).toBe('CHATHUB_PASSWORD_WEAK')
    expect(noTty.stderr).toContain('CHATHUB_PASSWORD_REQUIRED')

    const changed = await passwd(['--password-stdin', '--json'], `${PASSWORD}\n${NEW}\n`)
    expect(json(changed)).toEqual({ server: hub.url, user: 'erin', expiresAt: expect.any(String) })
    await expect(httpCall(hub.url, '/api/v1/me', { token: old })).rejects.toMatchObject({
      code: 'CHATHUB_TOKEN_INVALID',
    })
    expect(json(ok(await runCli(['whoami', '--json'], { env: erin })))).toMatchObject({
      user: 'erin',
    })
    await expect(ChatClient.login(hub.url, 'erin', NEW)).resolves.toMatchObject({ user: 'erin' })

    // Two-factor login enrolled: a code entered in the last 5 minutes, or one given now.
    await hub.addUser('dave2', PASSWORD)
    const { uri } = await enrol(hub, (await login(hub, 'dave2')).token)
    const dave = credentialsHome(hub.url, 'dave2', hub.token('dave2'))
    const fresh = await runCli(['passwd', '--password-stdin', '--json'], {
      env: dave,
      input: `${PASSWORD}\n${NEW}\n`,
    })
    expect(json(fresh)).toMatchObject({ user: 'dave2' })
    hub.clock.advance(6 * 60)
    const stale = await runCli(['passwd', '--password-stdin', '--json'], {
      env: dave,
      input: `${NEW}\n${PASSWORD}\n`,
    })
    expect(errorCode(stale)).toBe('TOTP_STEP_UP_REQUIRED')
    const [badCode, withCode] = [
      await runCli(['passwd', '--password-stdin', '--code', '000000', '--json'], {
        env: dave,
        input: `${NEW}\n${PASSWORD}\n`,
      }),
      await runCli(
        ['passwd', '--password-stdin', '--code', codeFor(uri, hub.clock.now), '--json'],
        {
          env: dave,
          input: `${NEW}\n${PASSWORD}\n`,
        },
      ),
    ]
    expect(errorCode(badCode)).toBe('TOTP_CODE_INVALID')
    expect(json(withCode)).toMatchObject({ user: 'dave2' })
    await expect(
      ChatClient.login(hub.url, 'dave2', PASSWORD, { code: codeFor(uri, hub.clock.now, 1) }),
    ).resolves.toMatchObject({ user: 'dave2' })
  },
)
