// The bot host: a child process the bots plugin spawns and supervises. Each bot gets an isolate
// (BotEngine) and its own wire-protocol connection with its scoped bot token, so the hub authorises,
// rate-limits and scopes it like any user. Store calls go to the plugin over IPC; fetch runs here.
// An isolate that aborts this whole process (V8 out of memory) cannot take the hub with it.
// Each bot's cursor (the last message it handled per room) is kept in <dataDir>/bots/cursors/, so
// messages sent while the bot or this process was down are replayed (the newest `replayMissed`).
// Direct conversations with a bot are its rooms too: the hub lets the bot's scoped token reach the
// direct rooms its account takes part in (and delivers them without a join); this process learns
// them from the hub (the room listing, or a message in a room outside the configured ones).
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { ChatClient } from '#core/client/sdk'
import type { EventFrame, EventOf, RoomSummary } from '#core/protocol/messages'
import { compileBot } from './compile.ts'
import { BotEngine, type BotIo, CommandCoolingDown, CommandDenied, type Intake } from './engine.ts'
import { guardedFetch } from './fetch-guard.ts'
import type { BotMessage, BotSpec, ChildToParent, CommandCaller, HostLimits, ParentToChild } from './protocol.ts'
import { BotFault } from './sandbox.ts'
import { realClock } from './schedule.ts'
import { cursorPath } from './state-files.ts'

interface Running {
  spec: BotSpec
  engine: BotEngine
  client: ChatClient | undefined
  connecting: Promise<ChatClient> | undefined
  roles: Map<string, { at: number; roles: Map<string, string> }>
  logTokens: number
  logAt: number
  stopped: boolean
  /** Per room, the last message the bot handled or ignored (persisted): where a replay starts. */
  cursor: Map<string, number>
  /** Per room, the last message handed to the engine since it (re)loaded: drops replayed duplicates. */
  seen: Map<string, number>
  saveQueued: boolean
  savedAt: number
  /** When the bot last asked the hub for its direct rooms (at most once a second). */
  directCheckedAt: number
}

const send = (msg: ChildToParent): void => {
  if (process.connected) process.send?.(msg)
}

let url = ''
let limits: HostLimits | undefined
let inflightFd: number | undefined
let cursorDir: string | undefined
const bots = new Map<string, Running>()
const busy = new Map<string, number>()
const pendingStore = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
let storeIds = 0

/** Write the bots running code right now, so the plugin can blame them if this process dies. */
const markBusy = (bot: string, running: boolean): void => {
  const n = (busy.get(bot) ?? 0) + (running ? 1 : -1)
  const before = busy.size
  if (n > 0) busy.set(bot, n)
  else busy.delete(bot)
  if (inflightFd === undefined || before === busy.size) return
  const text = [...busy.keys()].join('\n')
  ftruncateSync(inflightFd, 0)
  if (text) writeSync(inflightFd, text, 0)
}

const log = (r: Running, level: 'info' | 'warn' | 'error', text: string): void => {
  // At most 20 lines a second per bot (burst 50): a bot cannot flood the admin's log.
  const now = Date.now()
  r.logTokens = Math.min(50, r.logTokens + ((now - r.logAt) / 1000) * 20)
  r.logAt = now
  if (r.logTokens < 1 && level === 'info') return
  r.logTokens = Math.max(0, r.logTokens - 1)
  send({ t: 'log', bot: r.spec.name, level, text: text.slice(0, 2000) })
}

const loadCursor = (bot: string): Map<string, number> => {
  const out = new Map<string, number>()
  if (!cursorDir) return out
  try {
    const raw = JSON.parse(readFileSync(cursorPath(cursorDir, bot), 'utf8')) as Record<string, unknown>
    for (const [room, seq] of Object.entries(raw)) if (Number.isSafeInteger(seq) && (seq as number) >= 0) out.set(room, seq as number)
  } catch {
    // no cursor yet: the bot starts at the rooms' current messages
  }
  return out
}

/** Cursor saves per bot are this far apart at least (a busy room writes 10 times a second, not per batch). */
const SAVE_EVERY_MS = 100

const saveCursor = (r: Running): void => {
  r.saveQueued = false
  r.savedAt = Date.now()
  if (!cursorDir) return
  const file = cursorPath(cursorDir, r.spec.name)
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(r.cursor)), { mode: 0o600 })
    renameSync(`${file}.tmp`, file)
  } catch (err) {
    log(r, 'warn', `cannot save where the bot is in its rooms: ${(err as Error).message}`)
  }
}

/**
 * Move a room's cursor forward. Saved at once when the bot was quiet, else at most every
 * SAVE_EVERY_MS; a bot host that is killed loses at most that much (those messages come again).
 */
const advance = (r: Running, room: string, seq: number): void => {
  const at = r.cursor.get(room)
  if (at !== undefined && seq <= at) return
  r.cursor.set(room, seq)
  if (r.saveQueued) return
  r.saveQueued = true
  const wait = r.savedAt + SAVE_EVERY_MS - Date.now()
  if (wait <= 0) setImmediate(() => r.saveQueued && saveCursor(r))
  else setTimeout(() => r.saveQueued && saveCursor(r), wait).unref()
}

const flushCursors = (): void => {
  for (const r of bots.values()) if (r.saveQueued) saveCursor(r)
}

const storeCall = (bot: string, op: Extract<ChildToParent, { t: 'store' }>['op']): Promise<unknown> => {
  // Refuse an oversized value here, before it crosses into the hub process.
  const quota = limits?.storeQuotaBytes ?? 0
  if (op.op === 'store.set' && op.value.length + op.key.length > quota) {
    return Promise.reject(Object.assign(new Error(`The bot's store is full (${quota} bytes).`), { code: 'BOTS_STORE_QUOTA' }))
  }
  return new Promise((resolve, reject) => {
    const id = ++storeIds
    pendingStore.set(id, { resolve, reject })
    send({ t: 'store', id, bot, op })
  })
}

const connect = (r: Running): Promise<ChatClient> => {
  if (r.client?.open) return Promise.resolve(r.client)
  r.connecting ??= (async () => {
    let delay = 250
    for (;;) {
      if (r.stopped) throw new Error('stopped')
      try {
        const client = await ChatClient.connect(url, r.spec.token, { timeoutSeconds: 10 })
        wire(r, client)
        r.client = client
        await joinRooms(r, client, true)
        return client
      } catch (err) {
        log(r, 'warn', `cannot connect to the hub: ${(err as Error).message}; retrying`)
        await new Promise((res) => setTimeout(res, delay))
        delay = Math.min(delay * 2, 10_000)
      }
    }
  })().finally(() => {
    r.connecting = undefined
  })
  return r.connecting
}

/** The rooms the bot's token can see (empty when the hub cannot say). */
const listRooms = async (client: ChatClient): Promise<RoomSummary[]> => {
  try {
    return (await client.rooms()).rooms
  } catch {
    return []
  }
}

/** The bot takes part in a direct room: its engine and the plugin (command routing) learn it. */
const learnDirect = (r: Running, room: string): void => {
  if (r.engine.addDirect(room)) send({ t: 'direct', bot: r.spec.name, room })
}

const learnDirects = (r: Running, rooms: RoomSummary[]): void => {
  for (const room of rooms) if (room.kind === 'direct') learnDirect(r, room.name)
}

/**
 * Whether `room` is one of the bot's rooms, asking the hub for its direct rooms when it is not known
 * yet (a conversation opened with a command before any message). Never waits for a reconnect.
 */
const ensureRoom = async (r: Running, room: string): Promise<boolean> => {
  if (r.engine.inRoom(room)) return true
  const client = r.client
  if (!client?.open || Date.now() - r.directCheckedAt < 1000) return false
  r.directCheckedAt = Date.now()
  learnDirects(r, await listRooms(client))
  return r.engine.inRoom(room)
}

/**
 * Join every configured room; rooms that do not exist yet (or need an invite) are retried. A room
 * with a cursor behind its newest message is joined with `since`: the hub replays the missed
 * messages (at most `replayMissed`, the newest) before live ones, and the bot handles them.
 */
const joinRooms = async (r: Running, client: ChatClient, first: boolean): Promise<void> => {
  const missing: string[] = []
  const replayMissed = limits?.replayMissed ?? 0
  const listing = await listRooms(client)
  const seqs = new Map(listing.map((room) => [room.name, room.seq]))
  // Direct conversations are followed like the configured rooms (and replayed from the cursor).
  learnDirects(r, listing)
  const directs = listing.filter((room) => room.kind === 'direct' && !r.spec.rooms.includes(room.name)).map((room) => room.name)
  for (const room of [...r.spec.rooms, ...directs]) {
    if (client.lastSeq.has(room) && !first) continue
    try {
      const cursor = r.cursor.get(room)
      if (cursor !== undefined && replayMissed > 0) {
        const newest = seqs.get(room)
        if (newest !== undefined && newest > cursor) {
          const since = Math.max(cursor, newest - replayMissed)
          if (since > cursor) {
            log(r, 'warn', `${since - cursor} messages missed in "${room}" are not replayed (only the newest ${replayMissed}: replayMissed)`)
          }
          await client.resume(room, since)
          client.lastSeq.set(room, Math.max(client.lastSeq.get(room) ?? 0, since))
          continue
        }
      }
      const ack = await client.join(room)
      client.lastSeq.set(room, Math.max(client.lastSeq.get(room) ?? 0, ack.seq))
      // First time in the room (or no replay): start at its newest message, not at its history.
      if (cursor === undefined || replayMissed === 0) advance(r, room, ack.seq)
    } catch (err) {
      missing.push(room)
      if (first) log(r, 'error', `cannot join room "${room}": ${(err as Error).message} (retrying)`)
    }
  }
  if (missing.length > 0 && !r.stopped) {
    setTimeout(() => {
      if (r.client === client && client.open && !r.stopped) void joinRooms(r, client, false)
    }, 2000).unref()
  }
}

/**
 * A message (live or replayed) to the engine: hear/respond, and one `attachment` event per file it
 * carries (metadata only, never the bytes). A message the bot cannot take now (stopped, queue full)
 * is left for the replay from its cursor; one it already took is not handed over twice.
 */
const onMessage = (r: Running, f: EventOf<'message'>): void => {
  const engine = r.engine
  if (!engine.running) return
  if (f.seq <= (r.seen.get(f.room) ?? 0)) return
  // The hub sends a bot's token nothing outside its rooms but its own direct conversations.
  if (!r.spec.rooms.includes(f.room)) learnDirect(r, f.room)
  const intakes: Intake[] = []
  if (f.text !== null) {
    const message: BotMessage = {
      room: f.room,
      seq: f.seq,
      from: f.from,
      text: f.text,
      ...(f.bot ? { bot: true } : {}),
      ...(f.replyTo ? { replyTo: f.replyTo } : {}),
    }
    intakes.push(engine.onMessage(message))
    for (const a of f.attachments ?? []) {
      const data: Record<string, unknown> = {
        room: f.room,
        seq: f.seq,
        user: f.from,
        id: String(a.id),
        name: String(a.name),
        mime: String(a.mime),
        size: Number(a.size),
        ...(typeof a.width === 'number' ? { width: a.width } : {}),
        ...(typeof a.height === 'number' ? { height: a.height } : {}),
        ...(f.bot ? { bot: true } : {}),
      }
      intakes.push(engine.onEvent('attachment', data, message))
    }
  }
  if (intakes.length > 0 && intakes.every((i) => i === 'dropped')) return
  r.seen.set(f.room, f.seq)
  // Nothing queued (the bot's own message, another bot's, a deleted one): done with it now.
  if (!intakes.includes('queued')) advance(r, f.room, f.seq)
}

const wire = (r: Running, client: ChatClient): void => {
  client.on('frame', (f: EventFrame) => {
    // A connection being replaced (the bot reloaded): its frames come again on the new one.
    if (r.client !== client) return
    const engine = r.engine
    switch (f.type) {
      case 'message':
        return onMessage(r, f)
      case 'joined':
        return engine.onEvent('join', { room: f.room, user: f.user })
      case 'left':
        return engine.onEvent('leave', { room: f.room, user: f.user })
      case 'edited':
        return engine.onEvent('edit', { room: f.room, seq: f.seq, text: f.text })
      case 'deleted':
        return engine.onEvent('delete', { room: f.room, seq: f.seq, user: f.by })
      case 'invited':
        if (r.spec.rooms.includes(f.room)) void client.join(f.room).catch(() => undefined)
        return
      default:
        return
    }
  })
  client.on('close', () => {
    if (r.stopped || r.client !== client) return
    r.client = undefined
    setTimeout(() => void connect(r).catch(() => undefined), 500).unref()
  })
}

const roleOf = async (r: Running, room: string, user: string): Promise<string | undefined> => {
  const cached = r.roles.get(room)
  if (cached && Date.now() - cached.at < 2000) return cached.roles.get(user)
  const client = await connect(r)
  const ack = await client.members(room)
  const roles = new Map(ack.members.map((m) => [m.user, m.role as string]))
  r.roles.set(room, { at: Date.now(), roles })
  return roles.get(user)
}

const start = async (spec: BotSpec): Promise<void> => {
  if (!limits) return
  let r = bots.get(spec.name)
  if (!r) {
    const holder: { r?: Running } = {}
    const io: BotIo = {
      say: async (room, text, replyTo) => {
        const client = await connect(holder.r as Running)
        await client.say(room, text, replyTo ? { replyTo } : {})
      },
      roleOf: (room, user) => roleOf(holder.r as Running, room, user),
      hostCall: (op) =>
        op.op === 'fetch'
          ? guardedFetch(op, { allow: spec.fetchAllow, timeoutMs: limits?.fetchTimeoutMs ?? 5000, maxBytes: limits?.fetchMaxBytes ?? 1 << 20 })
          : storeCall(spec.name, op),
      log: (level, text) => log(holder.r as Running, level, text),
      fault: (kind, message) => send({ t: 'fault', bot: spec.name, kind, message }),
      overrun: (kind, message, user, cooldownMs) => send({ t: 'overrun', bot: spec.name, kind, message, user, cooldownMs }),
      busy: (running) => markBusy(spec.name, running),
      processed: (messages) => {
        for (const m of messages) advance(holder.r as Running, m.room, m.seq)
      },
    }
    r = {
      spec,
      engine: new BotEngine(spec, limits, io, realClock),
      client: undefined,
      connecting: undefined,
      roles: new Map(),
      logTokens: 50,
      logAt: Date.now(),
      stopped: false,
      cursor: loadCursor(spec.name),
      seen: new Map(),
      saveQueued: false,
      savedAt: 0,
      directCheckedAt: 0,
    }
    holder.r = r
    bots.set(spec.name, r)
  }
  const running = r
  running.stopped = false
  // A reload starts from an empty queue: what the bot had queued or missed while it was stopped
  // comes again from its cursor, replayed in order on a fresh connection.
  const old = running.client
  running.client = undefined
  if (old) void old.close()
  try {
    const code = await compileBot(readFileSync(spec.file, 'utf8'), spec.file)
    const manifest = await running.engine.load(code)
    running.seen = new Map(running.cursor)
    await connect(running)
    send({ t: 'loaded', bot: spec.name, manifest })
  } catch (err) {
    const fault = err instanceof BotFault ? err : new BotFault('load', (err as Error).message)
    send({ t: 'fault', bot: spec.name, kind: fault.kind, message: fault.message })
  }
}

const stop = async (name: string): Promise<void> => {
  const r = bots.get(name)
  if (!r) return
  r.stopped = true
  r.engine.stop()
  if (r.saveQueued) saveCursor(r)
  bots.delete(name)
  await r.client?.close()
}

const runCommand = async (msg: Extract<ParentToChild, { t: 'command' }>): Promise<void> => {
  const r = bots.get(msg.bot)
  const reply = (out: Omit<Extract<ChildToParent, { t: 'result' }>, 't' | 'id'>) => send({ t: 'result', id: msg.id, ...out })
  if (!r || !r.engine.running) {
    return reply({ error: { code: 'BOTS_UNAVAILABLE', message: msg.bot } })
  }
  try {
    await ensureRoom(r, msg.caller.room)
    const text = await r.engine.command(msg.name, msg.args, msg.caller)
    reply(text === undefined ? {} : { text })
  } catch (err) {
    if (err instanceof CommandDenied) return reply({ error: { code: 'BOTS_COMMAND_FORBIDDEN', message: msg.name } })
    if (err instanceof CommandCoolingDown) {
      return reply({ error: { code: 'BOTS_OVERRUN_COOLDOWN', message: msg.name, retryAfter: err.retryAfter } })
    }
    reply({ error: { code: 'BOTS_COMMAND_FAILED', message: (err as Error).message } })
  }
}

const help = async (id: number, caller: CommandCaller): Promise<void> => {
  const lines: string[] = []
  // A room no bot is configured for may be a direct conversation with one of them.
  const configured = [...bots.values()].some((r) => r.spec.rooms.includes(caller.room))
  for (const r of bots.values()) {
    if (!configured) await ensureRoom(r, caller.room)
    for (const c of await r.engine.allowedCommands(caller).catch(() => [])) {
      const usage = c.usage ? ` ${c.usage}` : ''
      const sensitive = c.sensitive || r.spec.commands[c.name]?.sensitive ? ' (needs a fresh TOTP code)' : ''
      lines.push(`/${c.name}${usage} — ${c.help || 'no help text'} [${r.spec.name}]${sensitive}`)
    }
  }
  send({ t: 'result', id, text: lines.join('\n') })
}

/** The running bot that takes part in the direct room `room`, for command routing. */
const findDirect = async (id: number, room: string): Promise<void> => {
  for (const r of bots.values()) {
    if (r.stopped || !r.engine.running) continue
    if ((await ensureRoom(r, room)) && r.engine.isDirect(room)) return send({ t: 'result', id, text: r.spec.name })
  }
  send({ t: 'result', id })
}

process.on('message', (raw: ParentToChild) => {
  switch (raw.t) {
    case 'init':
      url = raw.url
      limits = raw.limits
      inflightFd = openSync(raw.inflightFile, 'w')
      cursorDir = raw.cursorDir
      mkdirSync(cursorDir, { recursive: true })
      send({ t: 'ready' })
      return
    case 'load':
      void start(raw.bot)
      return
    case 'stop':
      void stop(raw.bot)
      return
    case 'command':
      void runCommand(raw)
      return
    case 'help':
      void help(raw.id, raw.caller)
      return
    case 'find-direct':
      void findDirect(raw.id, raw.room)
      return
    case 'store-result': {
      const p = pendingStore.get(raw.id)
      if (!p) return
      pendingStore.delete(raw.id)
      if (raw.error) p.reject(Object.assign(new Error(raw.error.message), { code: raw.error.code }))
      else p.resolve(raw.value)
      return
    }
  }
})

// The plugin went away (hub stopped or crashed): nothing to serve.
process.on('disconnect', () => {
  flushCursors()
  if (inflightFd !== undefined) closeSync(inflightFd)
  process.exit(0)
})
// The plugin stops the bot host with SIGTERM: keep where each bot is first.
process.on('SIGTERM', () => {
  flushCursors()
  process.exit(0)
})
