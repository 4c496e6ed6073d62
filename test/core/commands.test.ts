// Chat commands by name (core/plugins/commands.ts): `/<plugin> <name>` always, a bare `/<name>` only
// when exactly one plugin has it, the hub's own `/help` grouping by plugin what the caller may run,
// and the `commands` frame listing the same.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import type { CommandView } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { refusal } from './support.ts'

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/plugins/${name}.ts`, import.meta.url))

let hub: TestHub
let owner: ChatClient
let member: ChatClient
let moderator: ChatClient
let admin: ChatClient
let outsider: ChatClient

beforeAll(async () => {
  hub = await startHub(
    {
      plugins: { dice: { module: fixture('dice') }, 'ops-tools': { module: fixture('ops-tools') } },
    },
    { builtins: {} },
  )
  owner = await hub.connect('olga')
  member = await hub.connect('mia')
  moderator = await hub.connect('mo')
  admin = await hub.connect('root', { admin: true })
  outsider = await hub.connect('otto')
  await owner.create('ops')
  await owner.join('ops')
  for (const c of [member, moderator, admin]) await c.join('ops')
  await owner.setRole('ops', 'mo', 'moderator')
})
afterAll(() => hub.close())

/** Run a command and return the notice it answered with. */
const run = async (client: ChatClient, text: string): Promise<string> => {
  const notice = client.next('notice', (n) => n.room === 'ops')
  await client.say('ops', text)
  return (await notice).text
}

describe('names', () => {
  test('a name two plugins have is ambiguous bare, and works with either plugin name', async () => {
    const e = await refusal(member.say('ops', '/roll 2d6'))
    expect(e.code).toBe('CHATHUB_COMMAND_AMBIGUOUS')
    expect((e as unknown as Error).message).toContain('/dice roll')
    expect((e as unknown as Error).message).toContain('/ops-tools roll')
    expect(await run(member, '/dice roll 2d6')).toMatch(/^mia rolled 2d6: \d \+ \d = \d+$/)
    expect(await run(member, '/ops-tools roll v2')).toBe('rolling out v2')
  })

  test('a name one plugin has works bare; run-time commands too', async () => {
    expect(await run(member, '/ping')).toBe('pong for mia (member)')
    expect(await run(member, '/ops-tools ping')).toBe('pong for mia (member)')
    expect(await run(member, '/deploy')).toBe('deployed')
    expect(await run(member, '/ops-tools deploy')).toBe('deployed')
  })

  test('/help is the hub’s even when a plugin has a help; the plugin’s is /<plugin> help', async () => {
    expect(await run(member, '/help')).toMatch(
      /^Commands you can run here, by plugin:\nhub:\n {2}\/help/,
    )
    expect(await run(member, '/ops-tools help')).toBe('ops-tools: roll, slowmode, announce, ping')
  })

  test('unknown names: bare, in a plugin, and a plugin with no commands', async () => {
    expect((await refusal(member.say('ops', '/nosuch'))).code).toBe('CHATHUB_COMMAND_UNKNOWN')
    expect((await refusal(member.say('ops', '/dice nosuch'))).code).toBe('CHATHUB_COMMAND_UNKNOWN')
    expect((await refusal(member.say('ops', '/help nosuch'))).code).toBe('CHATHUB_COMMAND_UNKNOWN')
    expect((await refusal(member.say('ops', '/'))).code).toBe('CHATHUB_COMMAND_UNKNOWN')
  })
})

describe('/help and permissions', () => {
  test('/help groups by plugin and shows only what the caller may run', async () => {
    const help = await run(member, '/help')
    expect(help.split('\n')).toEqual([
      'Commands you can run here, by plugin:',
      'hub:',
      '  /help [PLUGIN] — the commands you can run here (or one plugin’s)',
      'dice:',
      '  /dice roll',
      'ops-tools:',
      '  /ops-tools roll — roll out a release',
      '  /ops-tools help',
      '  /ops-tools ping',
      '  /deploy — ship it',
    ])
    const forModerator = await run(moderator, '/help')
    expect(forModerator).toContain('/ops-tools slowmode SECONDS — slow the room down')
    expect(forModerator).not.toContain('announce')
    const forOwner = await run(owner, '/help')
    expect(forOwner).toContain('/ops-tools slowmode')
    expect(forOwner).not.toContain('announce')
    const forAdmin = await run(admin, '/help')
    expect(forAdmin).toContain('/ops-tools announce — tell every room')
    expect(forAdmin).not.toContain('slowmode') // a hub admin, but a plain member of this room
  })

  test('a command the caller may not run is refused, bare and namespaced', async () => {
    expect((await refusal(member.say('ops', '/slowmode 30'))).code).toBe('CHATHUB_FORBIDDEN')
    expect((await refusal(member.say('ops', '/ops-tools announce hi'))).code).toBe(
      'CHATHUB_FORBIDDEN',
    )
    expect((await refusal(moderator.say('ops', '/announce hi'))).code).toBe('CHATHUB_FORBIDDEN')
    expect(await run(moderator, '/slowmode 30')).toBe('slow mode: 30s')
    expect(await run(owner, '/ops-tools slowmode')).toBe('slow mode: 10s')
    expect(await run(admin, '/announce lunch is served')).toBe('announced: lunch is served')
  })

  test('/<plugin> alone and /help PLUGIN list that plugin’s commands', async () => {
    const alone = await run(moderator, '/ops-tools')
    expect(alone.split('\n')[0]).toBe('Commands of ops-tools you can run here:')
    expect(alone).toContain('/ops-tools slowmode')
    expect(alone).not.toContain('/dice roll')
    expect(await run(moderator, '/help ops-tools')).toBe(alone)
  })
})

describe('the commands frame', () => {
  test('lists what /help lists, as data, for the caller in that room', async () => {
    const names = (list: CommandView[]) => list.map((c) => c.name)
    const forMember = await member.commands('ops')
    expect(forMember.room).toBe('ops')
    expect(names(forMember.commands)).toEqual([
      'help',
      'dice roll',
      'ops-tools roll',
      'ops-tools help',
      'ops-tools ping',
      'deploy',
    ])
    expect(forMember.commands[0]).toEqual({
      name: 'help',
      usage: '[PLUGIN]',
      summary: 'the commands you can run here (or one plugin’s)',
    })
    expect(forMember.commands.find((c) => c.name === 'deploy')).toEqual({
      name: 'deploy',
      plugin: 'ops-tools',
      summary: 'ship it',
    })
    expect(names((await moderator.commands('ops')).commands)).toContain('ops-tools slowmode')
    expect(names((await admin.commands('ops')).commands)).toContain('ops-tools announce')
  })

  test('refuses non-members, unknown rooms and bad frames; the connection stays usable', async () => {
    expect((await refusal(outsider.commands('ops'))).code).toBe('CHATHUB_ROOM_NOT_MEMBER')
    expect((await refusal(outsider.commands('nowhere'))).code).toBe('CHATHUB_ROOM_NOT_FOUND')
    for (const text of [
      '{"type":"commands","ref":"c1"}',
      '{"type":"commands","ref":"c2","room":42}',
      '{"type":"commands","ref":"c3","room":"Ops"}',
      '{"type":"commands","ref":"c4","room":"ops","user":"root"}',
    ]) {
      const seen = outsider.next('error', (e) => e.ref === JSON.parse(text).ref)
      outsider.sendRaw(text)
      expect((await seen).code).toBe('CHATHUB_FRAME_INVALID')
    }
    await outsider.join('ops')
    expect((await outsider.commands('ops')).commands.length).toBeGreaterThan(0)
    await outsider.leave('ops')
  })
})
