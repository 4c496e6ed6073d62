// The bots plugin's files in the data directory, shared with the CLI (which may run while the hub
// runs): status.json (written by the plugin), admin.json (written by `bot enable|disable`, watched by
// the plugin), logs/<bot>.log (each bot's own log lines and faults, size-capped) and
// cursors/<bot>.json (where each bot is in each room, written by the plugin, for missed messages).
import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BotState } from './protocol.ts'

export interface BotStatus {
  name: string
  state: BotState
  file: string
  rooms: string[]
  /** Restarts after failures since the hub started. */
  restarts: number
  /** Failures in the current window. */
  failures: number
  /**
   * Events users sent that ran over their CPU or wall-time budget since the hub started: skipped,
   * logged, not failures (absent in status files of older hubs).
   */
  overruns?: number
  lastError?: string
  lastErrorAt?: string
  commands: string[]
  updatedAt: string
}

export interface StatusFile {
  /** Set while a hub with the plugin runs (cleared on close). */
  running: boolean
  /** The bot host child process, while one runs. */
  hostPid?: number
  bots: Record<string, BotStatus>
}

export interface AdminFile {
  /** Bots an admin disabled. */
  disabled: string[]
  /** When an admin last enabled a bot (revives one disabled after failures). */
  enabledAt: Record<string, number>
}

const LOG_MAX = 512 * 1024

export const botsDir = (dataDir: string): string => join(dataDir, 'bots')
export const statusPath = (dataDir: string): string => join(botsDir(dataDir), 'status.json')
export const adminPath = (dataDir: string): string => join(botsDir(dataDir), 'admin.json')
export const logPath = (dataDir: string, bot: string): string => join(botsDir(dataDir), 'logs', `${bot}.log`)
/** cursors/<bot>.json: `{ room: seq }`, where the bot is done per room (cursors.ts, written by the plugin). */
export const cursorsDir = (dataDir: string): string => join(botsDir(dataDir), 'cursors')
export const cursorPath = (dir: string, bot: string): string => join(dir, `${bot}.json`)

const readJson = <T>(file: string, fallback: T): T => {
  try {
    return { ...fallback, ...(JSON.parse(readFileSync(file, 'utf8')) as T) }
  } catch {
    return fallback
  }
}

/** Write via a temp file and rename, so a reader never sees half a file. */
export const writeJson = (file: string, value: unknown): void => {
  mkdirSync(join(file, '..'), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 })
  renameSync(tmp, file)
}

export const readStatus = (dataDir: string): StatusFile => readJson(statusPath(dataDir), { running: false, bots: {} })
export const writeStatus = (dataDir: string, status: StatusFile): void => writeJson(statusPath(dataDir), status)

export const readAdmin = (dataDir: string): AdminFile => readJson(adminPath(dataDir), { disabled: [], enabledAt: {} })
export const writeAdmin = (dataDir: string, admin: AdminFile): void => writeJson(adminPath(dataDir), admin)

/** Append one line to a bot's log; past LOG_MAX the file moves to <bot>.log.1. */
export const appendLog = (dataDir: string, bot: string, level: string, text: string, at = new Date()): void => {
  const file = logPath(dataDir, bot)
  mkdirSync(join(file, '..'), { recursive: true })
  try {
    if (statSync(file).size > LOG_MAX) renameSync(file, `${file}.1`)
  } catch {
    // no log yet
  }
  appendFileSync(file, `${at.toISOString()} ${level.padEnd(5)} ${text.replace(/\n/g, '\n    ')}\n`, { mode: 0o600 })
}

/** The last `lines` lines of a bot's log (empty when it has none). */
export const tailLog = (dataDir: string, bot: string, lines: number): string[] => {
  let text = ''
  try {
    text = readFileSync(logPath(dataDir, bot), 'utf8')
  } catch {
    return []
  }
  return text.trimEnd().split('\n').slice(-lines)
}
