// `npm run bench -- bots`: bot dispatch overhead. In one run, the same load (senders with a bounded
// window in one busy room) goes through a hub with no bots and a hub with 10 hear-bots in the room;
// with bots, the clock stops only when every bot has handled every message (a marker each answers).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChatClient } from '#core/client/sdk'
import { openDb } from '#core/db/client'
import { createRoom } from '#core/rooms/queries'
import { DB_FILE } from '#core/server'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'

const BOTS = 10
const ROOM = 'busy'

/** A hear-bot that inspects every message (two patterns) and answers only the end marker. */
const HEAR_BOT = `export default (bot) => {
  let seen = 0
  bot.hear(/\\bdeploy (\\w+)/i, () => { seen++ })
  bot.hear(/^!bench-done (\\d+)$/, (ctx) => ctx.reply('done ' + ctx.match[1] + ' ' + seen))
}`

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

const startBench = async (withBots: boolean): Promise<TestHub> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chathub-bench-bots-'))
  const db = openDb(join(dataDir, DB_FILE))
  createRoom(db, { name: ROOM, isPrivate: false, topic: '', ownerId: null })
  db.$client.close()
  const plugins: Record<string, Record<string, unknown>> = {}
  if (withBots) {
    const dir = join(dataDir, 'scripts')
    mkdirSync(dir)
    const bots: Record<string, unknown> = {}
    for (let i = 0; i < BOTS; i++) {
      writeFileSync(join(dir, `hear${i}.js`), HEAR_BOT)
      bots[`hear${i}`] = { file: `hear${i}.js`, rooms: [ROOM] }
    }
    plugins.bots = { dir, queueMax: 1_000_000, bots }
  }
  const hub = await startHub({ log: { level: 'warn' }, plugins }, { dataDir })
  return {
    ...hub,
    close: async () => {
      await hub.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Wait until every bot is a member and online in the room. */
const botsOnline = async (client: ChatClient): Promise<void> => {
  const deadline = Date.now() + 30_000
  for (;;) {
    const { members } = await client.members(ROOM)
    if (members.filter((m) => m.user.startsWith('hear') && m.online).length === BOTS) return
    if (Date.now() > deadline) throw new Error('bots did not come online')
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Send `total` messages from `senders` clients with `window` in flight each; messages per second. */
const drive = async (hub: TestHub, withBots: boolean, total: number, senders: number, window: number, run: number): Promise<number> => {
  const clients = await Promise.all(Array.from({ length: senders }, (_, i) => hub.connect(`sender${run}-${i}`)))
  for (const c of clients) await c.join(ROOM)
  const watcher = clients[0] as ChatClient
  if (withBots) await botsOnline(watcher)
  const texts = ['deploy api now', 'lunch?', 'the build is green', 'deploy web', 'ok']
  const started = performance.now()
  let next = 0
  await Promise.all(
    clients.map(async (c) => {
      const lanes = Array.from({ length: window }, async () => {
        while (next < total) {
          const i = next++
          await c.say(ROOM, `${texts[i % texts.length]} #${i}`)
        }
      })
      await Promise.all(lanes)
    }),
  )
  if (withBots) {
    watcher.drain()
    await watcher.say(ROOM, `!bench-done ${run}`)
    const done = new Set<string>()
    while (done.size < BOTS) {
      const m = await watcher.next('message', (f) => f.bot === true && f.text?.startsWith(`done ${run} `) === true, 120_000)
      done.add(m.from)
    }
  }
  return total / ((performance.now() - started) / 1000)
}

export const runBots = async (options: { runs: number; messages?: number; senders?: number; window?: number }): Promise<string> => {
  const total = options.messages ?? 5000
  const senders = options.senders ?? 4
  const window = options.window ?? 16
  const bare: number[] = []
  const bots: number[] = []
  const ratios: number[] = []
  for (let run = 1; run <= options.runs; run++) {
    const plain = await startBench(false)
    let a: number
    try {
      await drive(plain, false, 1000, senders, window, 0) // warm-up
      a = await drive(plain, false, total, senders, window, run)
    } finally {
      await plain.close()
    }
    const withBots = await startBench(true)
    let b: number
    try {
      await drive(withBots, true, 1000, senders, window, 0) // warm-up
      b = await drive(withBots, true, total, senders, window, run)
    } finally {
      await withBots.close()
    }
    bare.push(a)
    bots.push(b)
    ratios.push(b / a)
  }
  const f = (n: number) => Math.round(n).toLocaleString('en-US')
  return [
    `### bots: ${BOTS} hear-bots in one busy room (${total} messages, ${senders} senders × window ${window}, median of ${options.runs} runs)`,
    '',
    '| room | messages/s | ratio |',
    '|---|---:|---:|',
    `| no bots | ${f(median(bare))} | 1.00 |`,
    `| ${BOTS} hear-bots (every message handled by every bot) | ${f(median(bots))} | ${median(ratios).toFixed(2)} |`,
    '',
    `Per-run ratios: ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
  ].join('\n')
}
