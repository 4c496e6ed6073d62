// The `chathub bot` commands as a user runs them (child processes), against a running hub's data dir.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { tailLog } from '#plugins/bots/state-files'
import { json, runCli, tempDir } from '#test/helpers/run-cli'
import type { ChatClient } from '#core/client/sdk'
import { type BotsHub, startBotsHub, waitFor } from './helpers.ts'

type RunExternalBot = (o: { url: string; token: string; rooms: string[] }) => Promise<{ client: ChatClient; stop(): Promise<void> }>
const EXTERNAL_BOT = new URL('../../../examples/external-bot.ts', import.meta.url).href

let hub: BotsHub
let configFile = ''
const cli = (args: string[]) => runCli([...args, '--config', configFile])

beforeAll(async () => {
  hub = await startBotsHub({
    bots: { greeter: { source: `export default (bot) => { bot.hear(/^hi$/, (ctx) => { ctx.log('greeting', ctx.user); ctx.reply('hello') }) }` } },
  })
  configFile = join(hub.dataDir, 'chathub.yaml')
  writeFileSync(configFile, `dataDir: ${hub.dataDir}\nplugins:\n  bots:\n    dir: ${hub.scripts}\n    bots:\n      greeter:\n        file: greeter.ts\n        rooms: [lobby]\n`)
  await hub.ready('greeter')
}, 60_000)
afterAll(() => hub?.close())

test('bot new scaffolds a script that bot test runs offline', { timeout: 60_000 }, async () => {
  const dir = tempDir('chathub-botnew-')
  const made = await runCli(['bot', 'new', 'helper', '--dir', dir, '--json'])
  expect(made.code, made.stderr).toBe(0)
  const file = json<{ file: string }>(made).file
  expect(existsSync(file)).toBe(true)
  expect(readFileSync(file, 'utf8')).toContain('export default (bot: Bot)')
  const [run, count] = await Promise.all([
    runCli(['bot', 'test', file, '--say', 'hello helper', '--as', 'bob']),
    runCli(['bot', 'test', file, '--say', '/helper-count', '--say', '/helper-count', '--json']),
  ])
  expect(run.code, run.stderr).toBe(0)
  expect(run.stdout).toContain('#lobby bob: hello helper')
  expect(run.stdout).toContain('#lobby helper: hello bob!')
  const transcript = json<{ transcript: { text: string; private?: boolean }[] }>(count).transcript
  expect(transcript.filter((l) => l.private).map((l) => l.text)).toEqual(['run once', 'run 2 times'])
})

test('bot list, logs, disable and enable work on a running hub', { timeout: 60_000 }, async () => {
  const alice = await hub.connect('alice')
  await alice.join('lobby')
  await alice.say('lobby', 'hi')
  await alice.next('message', (f) => f.from === 'greeter')
  await waitFor(() => tailLog(hub.dataDir, 'greeter', 5).some((l) => l.includes('greeting alice')), 10_000, 'log line')
  const [list, logs] = await Promise.all([cli(['bot', 'list', '--json']), cli(['bot', 'logs', 'greeter'])])
  expect(list.code, list.stderr).toBe(0)
  expect(json<{ name: string; state: string; rooms: string[] }[]>(list)).toEqual([
    expect.objectContaining({ name: 'greeter', state: 'running', rooms: ['lobby'] }),
  ])
  expect(logs.stdout).toMatch(/info  greeting alice/)

  const off = await cli(['bot', 'disable', 'greeter'])
  expect(off.code, off.stderr).toBe(0)
  await waitFor(() => hub.status('greeter')?.state === 'disabled', 5000, 'disabled')
  const [listed, missing] = await Promise.all([cli(['bot', 'list', '--json']), cli(['bot', 'enable', 'nobody', '--json'])])
  expect(json<{ state: string }[]>(listed)[0]?.state).toBe('disabled')
  expect([missing.code, json<{ error: { code: string } }>(missing).error.code]).toEqual([1, 'BOTS_NOT_FOUND'])
  const on = await cli(['bot', 'enable', 'greeter'])
  expect(on.code, on.stderr).toBe(0)
  await hub.ready('greeter')
})

test('bot token create gives an external bot a scoped token it connects with', { timeout: 60_000 }, async () => {
  const made = await cli(['bot', 'token', 'create', 'clock', '--rooms', 'lobby', '--json'])
  expect(made.code, made.stderr).toBe(0)
  const { token } = json<{ token: string }>(made)
  const { runExternalBot } = (await import(EXTERNAL_BOT)) as { runExternalBot: RunExternalBot }
  const bot = await runExternalBot({ url: hub.url, token, rooms: ['lobby'] })
  try {
    const alice = await hub.connect('alice2')
    await alice.join('lobby')
    await alice.say('lobby', '@clock ping')
    const m = await alice.next('message', (f) => f.from === 'clock')
    expect(m).toMatchObject({ text: '@alice2 pong', bot: true })
    // Scoped: the token cannot reach other rooms.
    await alice.create('elsewhere')
    await expect(bot.client.join('elsewhere')).rejects.toMatchObject({ code: 'CHATHUB_ROOM_NOT_FOUND' })
  } finally {
    await bot.stop()
  }
})
