// startBotsHub(): the real hub with the bots plugin, bot scripts written to a temp folder and the
// rooms they use created first; waitFor() polls until a condition holds (bots run in a child process).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDb } from '#core/db/client'
import { createRoom, findRoom } from '#core/rooms/queries'
import { DB_FILE } from '#core/server'
import { readStatus, type BotStatus } from '#plugins/bots/state-files'
import { startHub, type TestHub } from '#test/helpers/start-hub'

export interface BotDef {
  source: string
  rooms?: string[]
  file?: string
  fetchAllow?: string[]
  commands?: Record<string, { roles?: string[]; users?: string[]; rooms?: string[]; sensitive?: boolean }>
}

export interface BotsHub extends TestHub {
  scripts: string
  writeBot(file: string, source: string): void
  status(bot: string): BotStatus | undefined
  /** Wait until the bot runs (connected, rooms joined). */
  ready(bot: string, timeoutMs?: number): Promise<BotStatus>
}

export const waitFor = async <T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

export const startBotsHub = async (options: {
  bots: Record<string, BotDef>
  rooms?: string[]
  /** Rooms of the bots' configs not to create (a test makes them later, or never). */
  missing?: string[]
  /** Hub config beside the plugins (e.g. `limits`). */
  hub?: Record<string, unknown>
  config?: Record<string, unknown>
  plugins?: Record<string, Record<string, unknown>>
  dataDir?: string
  /** The clock plugins see (e.g. totp's step-up window). */
  now?: () => number
}): Promise<BotsHub> => {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'chathub-bots-'))
  const scripts = join(dataDir, 'scripts')
  const writeBot = (file: string, source: string) => {
    mkdirSync(scripts, { recursive: true })
    writeFileSync(join(scripts, file), source)
  }
  const bots: Record<string, unknown> = {}
  const rooms = new Set(options.rooms ?? ['lobby'])
  for (const [name, def] of Object.entries(options.bots)) {
    const file = def.file ?? `${name}.ts`
    writeBot(file, def.source)
    for (const r of def.rooms ?? ['lobby']) rooms.add(r)
    bots[name] = {
      file,
      rooms: def.rooms ?? ['lobby'],
      ...(def.fetchAllow ? { fetchAllow: def.fetchAllow } : {}),
      ...(def.commands ? { commands: def.commands } : {}),
    }
  }
  const db = openDb(join(dataDir, DB_FILE))
  for (const name of options.missing ?? []) rooms.delete(name)
  for (const name of rooms) if (!findRoom(db, name)) createRoom(db, { name, isPrivate: false, topic: '', ownerId: null })
  db.$client.close()
  const hub = await startHub(
    {
      ...options.hub,
      plugins: {
        ...options.plugins,
        bots: { dir: scripts, restartDelayMs: 100, maxRestartDelayMs: 500, ...options.config, bots },
      },
    },
    { dataDir, ...(options.now ? { now: options.now } : {}) },
  )
  const status = (bot: string) => readStatus(dataDir).bots[bot]
  return {
    ...hub,
    scripts,
    writeBot,
    status,
    ready: (bot, timeoutMs = 15_000) => waitFor(() => (status(bot)?.state === 'running' ? status(bot) : undefined), timeoutMs, `bot ${bot} to run`),
    async close() {
      await hub.close()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
