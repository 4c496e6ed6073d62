// The bot host: a child process the bots plugin spawns and supervises. Each bot gets an isolate
// (BotEngine) and its own wire-protocol connection with its scoped bot token, so the hub authorises,
// rate-limits and scopes it like any user. Store calls go to the plugin over IPC; fetch runs here.
// An isolate that aborts this whole process (V8 out of memory) cannot take the hub with it.
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs'
import { ChatClient } from '#core/client/sdk'
import type { EventFrame } from '#core/protocol/messages'
import { compileBot } from './compile.ts'
import { BotEngine, type BotIo, CommandDenied } from './engine.ts'
import { guardedFetch } from './fetch-guard.ts'
import type { BotSpec, ChildToParent, CommandCaller, HostLimits, ParentToChild } from './protocol.ts'
import { BotFault } from './sandbox.ts'
import { realClock } from './schedule.ts'

interface Running {
  spec: BotSpec
  engine: BotEngine
  client: ChatClient | undefined
  connecting: Promise<ChatClient> | undefined
  roles: Map<string, { at: number; roles: Map<string, string> }>
  logTokens: number
  logAt: number
  stopped: boolean
}

const send = (msg: ChildToParent): void => {
  if (process.connected) process.send?.(msg)
}

let url = ''
let limits: HostLimits | undefined
let inflightFd: number | undefined
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

/** Join every configured room; rooms that do not exist yet (or need an invite) are retried. */
const joinRooms = async (r: Running, client: ChatClient, first: boolean): Promise<void> => {
  const missing: string[] = []
  for (const room of r.spec.rooms) {
    if (client.lastSeq.has(room) && !first) continue
    try {
      const ack = await client.join(room)
      client.lastSeq.set(room, Math.max(client.lastSeq.get(room) ?? 0, ack.seq))
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

const wire = (r: Running, client: ChatClient): void => {
  client.on('frame', (f: EventFrame) => {
    const engine = r.engine
    switch (f.type) {
      case 'message':
        if (f.text !== null) {
          engine.onMessage({ room: f.room, seq: f.seq, from: f.from, text: f.text, ...(f.bot ? { bot: true } : {}), ...(f.replyTo ? { replyTo: f.replyTo } : {}) })
        }
        return
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
      busy: (running) => markBusy(spec.name, running),
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
    }
    holder.r = r
    bots.set(spec.name, r)
  }
  const running = r
  running.stopped = false
  try {
    const code = await compileBot(readFileSync(spec.file, 'utf8'), spec.file)
    const manifest = await running.engine.load(code)
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
    const text = await r.engine.command(msg.name, msg.args, msg.caller)
    reply(text === undefined ? {} : { text })
  } catch (err) {
    if (err instanceof CommandDenied) return reply({ error: { code: 'BOTS_COMMAND_FORBIDDEN', message: msg.name } })
    reply({ error: { code: 'BOTS_COMMAND_FAILED', message: (err as Error).message } })
  }
}

const help = async (id: number, caller: CommandCaller): Promise<void> => {
  const lines: string[] = []
  for (const r of bots.values()) {
    for (const c of await r.engine.allowedCommands(caller).catch(() => [])) {
      const usage = c.usage ? ` ${c.usage}` : ''
      const sensitive = c.sensitive || r.spec.commands[c.name]?.sensitive ? ' (needs a fresh TOTP code)' : ''
      lines.push(`/${c.name}${usage} — ${c.help || 'no help text'} [${r.spec.name}]${sensitive}`)
    }
  }
  send({ t: 'result', id, text: lines.join('\n') })
}

process.on('message', (raw: ParentToChild) => {
  switch (raw.t) {
    case 'init':
      url = raw.url
      limits = raw.limits
      inflightFd = openSync(raw.inflightFile, 'w')
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
  if (inflightFd !== undefined) closeSync(inflightFd)
  process.exit(0)
})
