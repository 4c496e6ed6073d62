// `chathub chat` following several rooms and direct conversations at once: one on the screen, the
// others counted (prompt, /rooms), direct messages and mentions shown at once, /switch between them,
// read markers moved for what was shown. Driven through pipes against a real hub.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { credentialsHome, runCli, startCli } from '#test/helpers/run-cli'

let hub: TestHub
const homeFor = (name: string): Record<string, string> => credentialsHome(hub.url, name, hub.token(name))
const count = (text: string, part: string) => text.split(part).length - 1

beforeAll(async () => {
  hub = await startHub()
})
afterAll(() => hub.close())

test('follows rooms and a DM; counts the others, shows DMs and mentions at once; /rooms; /switch shows what was missed', { timeout: 120_000 }, async () => {
  const bob = await hub.connect('bob')
  const carol = await hub.connect('carol')
  hub.token('dave')
  await bob.create('general')
  await bob.create('ops')
  await bob.join('general')
  await bob.join('ops')
  await carol.join('ops')
  await bob.say('ops', 'early 1')
  await bob.say('ops', 'early 2')
  await carol.close()

  const chat = startCli(['chat', '--room', 'general', '--room', 'ops', '--dm', 'bob'], { env: homeFor('carol') })
  // The hub's unread counts for the rooms off the screen.
  await chat.waitFor(/^\* also following: ops \(2 unread\), @bob — \/switch NAME, \/rooms$/m, 60_000)
  expect(chat.stdout()).toContain('— general — 0 messages')

  await bob.say('general', 'on screen')
  await chat.waitFor(/^#1 \d\d:\d\d bob: on screen$/m)
  await bob.say('ops', 'deploy?')
  await chat.waitFor(/^\* new messages in ops \(\/switch ops\)$/m)
  await bob.say('ops', 'anyone?')
  await bob.say('ops', '@carol can you look')
  await chat.waitFor(/^\* bob mentioned you in ops \(#5; \/switch ops\)$/m)
  const { room: direct } = await bob.openDirect('carol')
  await bob.say(direct, 'psst')
  await chat.waitFor(/^\* @bob: psst \(\/switch @bob\)$/m)

  chat.write('/rooms\n')
  await chat.waitFor(/^\*     @bob — 1 unread$/m)
  const listed = chat.stdout()
  expect(listed).toContain('* following 3 rooms (/switch NAME shows one):')
  expect(listed).toMatch(/^\*   > general$/m)
  expect(listed).toMatch(/^\*     ops — 5 unread, 1 mention$/m)
  // Only the first message off the screen is announced; ops' messages were not shown.
  expect(count(listed, 'new messages in ops')).toBe(1)
  expect(listed).not.toContain('deploy?')

  chat.write('/switch ops\nin ops now\n')
  await chat.waitFor(/^#5 \d\d:\d\d bob: @carol can you look$/m)
  expect(chat.stdout()).toContain('— ops — 5 messages')
  expect(chat.stdout()).toMatch(/^#1 \d\d:\d\d bob: early 1$/m)
  expect(await bob.next('message', (m) => m.from === 'carol')).toMatchObject({ room: 'ops', text: 'in ops now' })

  // /switch alone: the next room with something unread (the DM).
  chat.write('/switch\n')
  await chat.waitFor(/^#1 \d\d:\d\d bob: psst$/m)
  expect(chat.stdout()).toContain('— direct with bob — 1 message')

  // Back to a room seen before: only what came since.
  await bob.say('general', 'while you were away')
  await chat.waitFor(/^\* new messages in general \(\/switch general\)$/m)
  chat.write('/switch general\n')
  await chat.waitFor(/^#2 \d\d:\d\d bob: while you were away$/m)
  expect(chat.stdout()).toContain('— general — 1 new')
  expect(count(chat.stdout(), 'bob: on screen')).toBe(1)

  // A room or conversation not followed yet is joined or opened; wrong names are refused.
  chat.write('/switch @dave\nhi dave\n/switch nosuch\n/switch a b\n/switch general\n/switch general\n/rooms\n')
  await chat.waitFor(/^\*     @dave$/m)
  const done = await chat.end()
  expect(done.code, done.stderr).toBe(0)
  expect(done.stdout).toContain('— direct with dave — 0 messages')
  expect(done.stdout).toContain('(CHATHUB_ROOM_NOT_FOUND)')
  expect(done.stdout).toContain('! usage: /switch [ROOM|@USER]')
  expect(done.stdout).toContain('* already in general')
  const dave = await hub.connect('dave')
  expect((await dave.history((await dave.openDirect('carol')).room)).messages.map((m) => m.text)).toEqual(['hi dave'])

  // What was shown is read, in every room; nothing else is.
  const again = await hub.connect('carol')
  const { rooms } = await again.rooms()
  const unread = Object.fromEntries(rooms.filter((r) => r.role !== undefined).map((r) => [r.peer ?? r.name, r.unread]))
  expect(unread).toEqual({ general: 0, ops: 0, bob: 0, dave: 0 })
  await Promise.all([bob.close(), dave.close(), again.close()])
})

test('kicked from a room off the screen: said, and the chat goes on; from the last one: the chat ends', { timeout: 120_000 }, async () => {
  const owner = await hub.connect('olga')
  await owner.create('club')
  await owner.create('lobby')
  const chat = startCli(['chat', '--room', 'lobby', '--room', 'club'], { env: homeFor('erin') })
  await chat.waitFor(/^\* also following: club — /m, 60_000)
  await owner.kick('club', 'erin', 'cool off')
  await chat.waitFor(/^! olga removed you from "club": cool off\. \(CHATHUB_ROOM_KICKED\)$/m)
  chat.write('/rooms\n')
  await chat.waitFor(/^\* following 1 room/m)
  await owner.kick('lobby', 'erin')
  const done = await chat.exited
  expect(done.code).not.toBe(0)
  expect(done.stderr).toContain('CHATHUB_ROOM_KICKED')
  await owner.close()
})

test('--all follows every room and conversation of yours; with none, a clear error', { timeout: 120_000 }, async () => {
  const frank = await hub.connect('frank')
  await frank.create('garden')
  await frank.create('kitchen')
  await frank.openDirect('bob')
  await frank.close()
  const [all, nothing, neither] = await Promise.all([
    runCli(['chat', '--all', '--room', 'kitchen', '--history', '0'], { env: homeFor('frank'), input: '/rooms\n' }),
    runCli(['chat', '--all'], { env: homeFor('gina') }),
    runCli(['chat'], { env: homeFor('gina') }),
  ])
  expect(all.code, all.stderr).toBe(0)
  expect(all.stdout).toContain('— kitchen — 0 messages')
  expect(all.stdout).toContain('* following 3 rooms')
  expect(all.stdout).toMatch(/^\*   > kitchen$/m)
  expect(all.stdout).toMatch(/^\*     garden$/m)
  expect(all.stdout).toMatch(/^\*     @bob$/m)
  expect(nothing.code).not.toBe(0)
  expect(nothing.stderr).toContain('CHATHUB_CHAT_NOTHING_TO_FOLLOW')
  expect(neither.code).not.toBe(0)
  expect(neither.stderr).toMatch(/--room|--dm|--all/)
})

test('on a terminal the prompt names the room on the screen and what is unread elsewhere (! for a mention)', { timeout: 60_000 }, async () => {
  const { PassThrough } = await import('node:stream')
  const { ChatClient } = await import('#core/client/sdk')
  const { runChat } = await import('#cli/chat-session')
  const terminal = () => Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined, columns: 120 })
  const hana = await hub.connect('hana')
  await hana.create('den')
  await hana.create('attic')
  await hana.join('attic')
  const client = await ChatClient.connect(hub.url, hub.token('ivan'))
  const input = terminal()
  const output = terminal()
  let drawn = ''
  output.on('data', (d: Buffer) => (drawn += d.toString()))
  const printed: string[] = []
  const done = runChat(client, { targets: [{ room: 'den' }, { room: 'attic' }], history: 0, input, output, print: (l) => printed.push(l) })
  const until = async (check: () => boolean) => {
    for (let waited = 0; !check(); waited += 20) {
      if (waited > 20_000) throw new Error(`not seen; printed: ${printed.join('\n')}\ndrawn: ${JSON.stringify(drawn)}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  await until(() => printed.some((l) => l.startsWith('* also following')))
  expect(drawn).toContain('den> ')
  await hana.say('attic', 'one')
  await until(() => drawn.includes('den [attic 1]> '))
  await hana.say('attic', 'two @ivan')
  await until(() => drawn.includes('den [attic 2!]> '))
  input.write('/switch attic\r')
  await until(() => drawn.slice(drawn.indexOf('/switch attic')).includes('\u001b[0Jattic> '))
  input.end()
  await done
  await hana.close()
})
