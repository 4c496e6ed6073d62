// The example bots, run through the harness bot authors use (in-memory room, virtual clock).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { BotHarness } from '#plugins/bots/harness'

const example = (name: string) => fileURLToPath(new URL(`../../../examples/bots/${name}.ts`, import.meta.url))

test('echo: hear, respond, command, join event', async () => {
  const h = await BotHarness.load(example('echo'))
  expect((await h.say('!echo hello there')).map((l) => l.text)).toEqual(['hello there'])
  expect((await h.say('@echo how are you?', { as: 'bob' }))[0]?.text).toBe('@bob you said: how are you?')
  expect(await h.say('just chatting')).toEqual([])
  expect((await h.say('/echo private words'))[0]).toMatchObject({ text: 'private words', private: true })
  expect((await h.event('join', { room: 'lobby', user: 'carol' }))[0]?.text).toBe('welcome, carol!')
  h.close()
})

test('reminder: /remind fires after the virtual time passes, and survives a restart', async () => {
  const h = await BotHarness.load(example('reminder'))
  expect((await h.say('/remind 10m stretch your legs', { as: 'alice' }))[0]?.text).toBe('OK, I will remind you in 10m.')
  expect(await h.advance('9m')).toEqual([])
  await h.restart() // the hub restarted: only the store is left
  const fired = await h.advance('2m')
  expect(fired.map((l) => l.text)).toEqual(['@alice reminder: stretch your legs'])
  expect(JSON.parse(h.store.get('reminders') ?? 'null')).toEqual([])
  expect((await h.say('/remind soon')).at(0)?.text).toMatch(/^usage/)
  h.close()
})

test('poll: open, vote with a reaction, results, end', async () => {
  const h = await BotHarness.load(example('poll'))
  const opened = await h.say('/poll "Lunch today?" pizza tacos salad', { as: 'alice' })
  expect(opened[0]?.text).toContain('alice asks: Lunch today?')
  expect(opened[0]?.text).toContain('3. salad')
  const voted = await h.say('/vote 2', { as: 'bob' })
  expect(voted.map((l) => [l.text, l.private ?? false])).toEqual([
    ['👍', false],
    ['You voted for tacos.', true],
  ])
  await h.say('/vote 2', { as: 'carol' })
  expect((await h.say('/results'))[0]?.text).toContain('2. tacos — 2 votes')
  expect((await h.say('/endpoll'))[0]?.text).toContain('Final result')
  expect((await h.say('/help'))[0]?.text).toContain('/poll "question" option1 option2 ... — open a poll')
  h.close()
})

let server: Server
let base = ''
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/big') return res.end('x'.repeat(2 * 1024 * 1024))
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ message: `all good at ${req.url}` }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => server.close())

test('fetcher: an allowed local server answers; other hosts and huge bodies are refused', async () => {
  const h = await BotHarness.load(example('fetcher'), { fetchAllow: [new URL(base).host] })
  expect((await h.say(`/check ${base}/status`))[0]?.text).toBe('200: all good at /status')
  expect((await h.say('/check http://localhost:1/status'))[0]?.text).toMatch(/^cannot fetch: BOTS_FETCH_DENIED/)
  expect((await h.say(`/check ${base}/big`))[0]?.text).toMatch(/^cannot fetch: BOTS_FETCH_FAILED .*larger than/)
  h.close()
})

test('command access controls: /help lists only what the user may run', async () => {
  const h = await BotHarness.fromSource(
    `export default (bot) => {
      bot.command('deploy', { help: 'ship it' }, () => 'shipped')
      bot.command('ping', { help: 'pong' }, () => 'pong')
    }`,
    { name: 'ops', commands: { deploy: { roles: ['moderator'], users: ['root'] } }, roles: { mod: 'moderator', boss: 'owner' } },
  )
  expect((await h.say('/help', { as: 'alice' }))[0]?.text).toBe('/ping — pong')
  expect((await h.say('/deploy', { as: 'alice' }))[0]?.text).toBe('(you may not run /deploy here)')
  for (const who of ['mod', 'boss', 'root']) expect((await h.say('/deploy', { as: who }))[0]?.text).toBe('shipped')
  expect((await h.say('/help', { as: 'mod' }))[0]?.text).toContain('/deploy — ship it')
  h.close()
})

test('schedules: every() and at() run on the virtual clock', async () => {
  const h = await BotHarness.fromSource(
    `export default (bot) => {
      let n = 0
      bot.every('1h', (ctx) => ctx.send('lobby', 'hourly ' + (++n)))
      bot.at('30 9 * * 1-5', (ctx) => ctx.send('lobby', 'standup at ' + new Date().toISOString()))
    }`,
    { now: Date.UTC(2030, 0, 1, 0, 0) }, // a Tuesday
  )
  const day = await h.advance('1d')
  expect(day.filter((l) => l.text.startsWith('hourly')).length).toBe(24)
  expect(day.filter((l) => l.text.startsWith('standup')).map((l) => l.text)).toEqual(['standup at 2030-01-01T09:30:00.000Z'])
  h.close()
})
