// Hostile bot scripts (issue #5): each must fail to do harm; the bot is contained, the hub keeps
// answering other clients while it misbehaves (say->ack < 1 s), and the admin can see why.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChatClient } from '#core/client/sdk'
import { openDb } from '#core/db/client'
import { DB_FILE } from '#core/server'
import { storeUsage } from '#plugins/bots/store'
import { type BotsHub, startBotsHub, waitFor } from './helpers.ts'
import { join } from 'node:path'

/** Say→ack round trips of a normal client, every 20 ms, until `until` settles; returns the slowest. */
const probeWhile = async (client: ChatClient, room: string, until: Promise<unknown>): Promise<number> => {
  let done = false
  void until.finally(() => {
    done = true
  })
  let worst = 0
  let n = 0
  while (!done || n < 3) {
    const t = performance.now()
    await client.say(room, `probe ${n++}`)
    worst = Math.max(worst, performance.now() - t)
    await new Promise((r) => setTimeout(r, 20))
  }
  return worst
}

const ESCAPES = `
export default (bot) => {
  bot.hear(/^escape$/, async (ctx) => {
    const results = []
    const attempt = async (label, fn) => {
      try {
        const v = await fn()
        results.push(label + ':ESCAPED:' + String(v).slice(0, 40))
      } catch (e) {
        results.push(label + ':blocked')
      }
    }
    await attempt('require', () => require('node:fs').readFileSync('/etc/passwd', 'utf8'))
    await attempt('import', () => import('node:fs'))
    await attempt('process', () => process.env.PATH)
    await attempt('ctor', () => this.constructor.constructor('return process')().pid)
    await attempt('fnctor', () => (() => {}).constructor('return process')().pid)
    await attempt('global', () => globalThis.process.pid)
    await attempt('readfile', () => ctx.fetch('file:///etc/passwd').then((r) => r.body))
    await attempt('socket', () => new WebSocket('ws://127.0.0.1:1'))
    await attempt('net', () => globalThis.net.connect(80))
    await attempt('fetch-denied', () => ctx.fetch(ALLOWED_NOT + '/secret').then((r) => r.status))
    await attempt('host-ref', () => __chathubHost.apply(undefined, ['{}', '[]']))
    ctx.reply(results.join(' '))
  })
}
`

const LOOPER = `export default (bot) => {
  bot.hear(/^loop$/, () => { for (;;) {} })
  bot.hear(/^async-loop$/, async (ctx) => { await ctx.store.keys(); for (;;) {} })
  bot.hear(/^alive\\?$/, (ctx) => ctx.reply('alive'))
}`

const FLOODER = `export default (bot) => {
  bot.hear(/^flood$/, (ctx) => { for (let i = 0; i < 10000; i++) ctx.reply('spam ' + i) })
}`

const HOARDER = `export default (bot) => {
  bot.hear(/^hoard$/, async (ctx) => {
    const chunk = 'x'.repeat(100 * 1024)
    let stored = 0
    let refused = ''
    for (let i = 0; i < 1000; i++) {
      try { await ctx.store.set('k' + i, chunk); stored++ } catch (e) { refused = e.code; break }
    }
    ctx.reply('stored ' + stored + ' refused ' + refused)
  })
  bot.hear(/^hoard-big$/, async (ctx) => {
    await ctx.store.set('big', 'y'.repeat(100 * 1024 * 1024))
    ctx.reply('stored big')
  })
}`

describe('hostile scripts in a shared bot host', () => {
  let hub: BotsHub
  let alice: ChatClient
  let other: ChatClient
  let http: Server
  let notAllowed = ''

  beforeAll(async () => {
    // A server on the loopback that is NOT in any allow-list.
    http = createServer((_req, res) => res.end('secret'))
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    notAllowed = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    hub = await startBotsHub({
      rooms: ['lobby', 'quiet'],
      config: { cpuMsPerEvent: 100, wallMsPerEvent: 3000, maxFailures: 3, storeQuotaBytes: 1024 * 1024, memoryMb: 128 },
      bots: {
        escaper: { source: ESCAPES.replace('ALLOWED_NOT', JSON.stringify(notAllowed)), fetchAllow: ['example.invalid'] },
        looper: { source: LOOPER },
        flooder: { source: FLOODER },
        hoarder: { source: HOARDER },
        nodeimport: { source: `import { readFileSync } from 'node:fs'\nexport default (bot) => { bot.hear(/x/, (ctx) => ctx.reply(readFileSync('/etc/passwd', 'utf8'))) }` },
      },
    })
    await Promise.all(['escaper', 'looper', 'flooder', 'hoarder'].map((b) => hub.ready(b)))
    alice = await hub.connect('alice')
    await alice.join('lobby')
    other = await hub.connect('bob')
    await other.join('quiet')
  }, 60_000)
  afterAll(async () => {
    await hub?.close()
    http?.close()
  })

  test('no node modules, process, constructor escapes, files, sockets or other hosts', async () => {
    await alice.say('lobby', 'escape')
    const m = await alice.next('message', (f) => f.from === 'escaper')
    expect(m.text).not.toContain('ESCAPED')
    for (const label of ['require', 'import', 'process', 'ctor', 'fnctor', 'global', 'readfile', 'socket', 'net', 'fetch-denied', 'host-ref']) {
      expect(m.text).toContain(`${label}:blocked`)
    }
  })

  test('a script that imports a node module never loads, and the admin sees why', async () => {
    const s = await waitFor(() => (hub.status('nodeimport')?.state === 'failed' ? hub.status('nodeimport') : undefined), 15_000, 'nodeimport to fail')
    expect(s.lastError).toMatch(/require is not defined/)
  })

  test('an endless loop is stopped within its CPU budget; the hub keeps answering; the bot runs on', async () => {
    const fault = waitFor(() => hub.status('looper')?.lastError?.startsWith('cpu:'), 10_000, 'looper cpu fault')
    await alice.say('lobby', 'loop')
    const worst = await probeWhile(other, 'quiet', fault)
    expect(worst).toBeLessThan(1000)
    expect(hub.status('looper')?.lastError).toMatch(/cpu: .*CPU time/)
    await hub.ready('looper')
    // A loop after an await (outside the synchronous run's timeout) is caught by the watchdog. A
    // member's message caused both: overruns, skipped, never failures that would disable the bot.
    const overruns = hub.status('looper')?.overruns ?? 0
    await alice.say('lobby', 'async-loop')
    await waitFor(() => (hub.status('looper')?.overruns ?? 0) > overruns, 10_000, 'looper overrun')
    expect(hub.status('looper')).toMatchObject({ state: 'running', failures: 0 })
    await alice.say('lobby', 'alive?')
    expect((await alice.next('message', (f) => f.from === 'looper' && f.text === 'alive')).text).toBe('alive')
  })

  test('flooding a room is cut at the bot send rate and stops the bot', async () => {
    const fault = waitFor(() => hub.status('flooder')?.lastError?.startsWith('flood:'), 10_000, 'flood fault')
    await alice.say('lobby', 'flood')
    const worst = await probeWhile(other, 'quiet', fault)
    expect(worst).toBeLessThan(1000)
    await new Promise((r) => setTimeout(r, 300))
    const spam = alice.drain().filter((f) => f.type === 'message' && f.from === 'flooder')
    expect(spam.length).toBeGreaterThan(0)
    expect(spam.length).toBeLessThanOrEqual(20) // sendBurst
  })

  test('writing 100 MB into the store is refused at the quota', async () => {
    await alice.say('lobby', 'hoard')
    const m = await alice.next('message', (f) => f.from === 'hoarder', 20_000)
    expect(m.text).toMatch(/refused BOTS_STORE_QUOTA/)
    const db = openDb(join(hub.dataDir, DB_FILE))
    try {
      expect(storeUsage(db, 'hoarder')).toBeLessThanOrEqual(1024 * 1024)
    } finally {
      db.$client.close()
    }
    // One 100 MB value: the bot runs out of CPU or memory building it, or the host refuses it
    // before it crosses into the hub.
    const before = hub.status('hoarder')?.lastErrorAt
    const fault = waitFor(() => hub.status('hoarder')?.lastErrorAt !== before, 15_000, 'hoarder stopped')
    await alice.say('lobby', 'hoard-big')
    const worst = await probeWhile(other, 'quiet', fault)
    expect(worst).toBeLessThan(1000)
    expect(hub.status('hoarder')?.lastError).toMatch(/^(cpu|memory|error): .*(CPU|memory|store is full)/)
    expect(alice.drain().some((f) => f.type === 'message' && f.text === 'stored big')).toBe(false)
  })
})

describe('a bot that allocates 1 GB', () => {
  let hub: BotsHub
  beforeAll(async () => {
    hub = await startBotsHub({
      config: { memoryMb: 64, maxFailures: 2 },
      bots: {
        bloater: {
          source: `export default (bot) => {
            bot.hear(/^bloat-array$/, () => { const a = new Array(1e8).fill(0); return a.length })
            bot.hear(/^bloat-buffer$/, (ctx) => { const b = new ArrayBuffer(1024 * 1024 * 1024); ctx.reply('got ' + b.byteLength) })
          }`,
        },
        good: { source: `export default (bot) => { bot.hear(/^hi$/, (ctx) => ctx.reply('hello')) }` },
      },
    })
    await Promise.all([hub.ready('bloater'), hub.ready('good')])
  }, 60_000)
  afterAll(() => hub?.close())

  test('is contained (even when V8 aborts the bot host), the hub keeps serving, the admin sees why', async () => {
    const alice = await hub.connect('alice')
    await alice.join('lobby')
    const bob = await hub.connect('bob')
    await bob.join('lobby')
    // An ArrayBuffer over the limit fails inside the isolate: the handler throws.
    await alice.say('lobby', 'bloat-buffer')
    await waitFor(() => /Array buffer allocation failed/.test(hub.status('bloater')?.lastError ?? ''), 10_000, 'buffer refusal')
    await hub.ready('bloater')
    // A heap that grows past the limit: the isolate is disposed, or V8 aborts the whole bot host.
    const fault = waitFor(() => (hub.status('bloater')?.failures ?? 0) >= 2 && hub.status('bloater'), 20_000, 'bloater fault')
    await alice.say('lobby', 'bloat-array')
    const worst = await probeWhile(bob, 'lobby', fault)
    expect(worst).toBeLessThan(1000)
    expect(hub.status('bloater')?.lastError).toMatch(/memory/)
    expect(hub.status('bloater')?.state).toBe('failed')
    // The other bot comes back (after a bot host restart if there was one) and answers.
    await hub.ready('good', 20_000)
    await alice.say('lobby', 'hi')
    expect((await alice.next('message', (f) => f.from === 'good' && f.text === 'hello', 15_000)).text).toBe('hello')
  })
})
