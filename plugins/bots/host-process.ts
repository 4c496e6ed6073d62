// The bot host: a child process the bots plugin spawns and supervises. Each bot gets an isolate
// (BotEngine). The plugin follows the hub in-process for the bots (hub-feed.ts) and hands this
// process the inputs of each bot's rooms over IPC; what a bot does to the hub (say, members for
// command roles) and its store calls go back to the plugin over IPC, which acts as the bot's
// account (the hub checks and rate-limits it like that account's client frames). Fetch runs here.
// An isolate that aborts this whole process (V8 out of memory) cannot take the hub with it.
// This process reports which messages each bot is done with (`done`); the plugin keeps the cursors,
// so what was handed over but not done when this process died comes again.
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs'
import { compileBot } from './compile.ts'
import { BotEngine, type BotIo, CommandCoolingDown, CommandDenied } from './engine.ts'
import { guardedFetch } from './fetch-guard.ts'
import type { BotInput, BotMessage, BotSpec, ChildToParent, CommandCaller, HelpEntry, HostLimits, HubOp, ParentToChild, StoreOp } from './protocol.ts'
import { BotFault } from './sandbox.ts'
import { realClock } from './schedule.ts'

interface Running {
  spec: BotSpec
  engine: BotEngine
  roles: Map<string, { at: number; roles: Map<string, string> }>
  logTokens: number
  logAt: number
  stopped: boolean
}

const send = (msg: ChildToParent): void => {
  if (process.connected) process.send?.(msg)
}

let limits: HostLimits | undefined
let inflightFd: number | undefined
const bots = new Map<string, Running>()
const busy = new Map<string, number>()
/** Store and hub calls waiting for the plugin's answer. */
const pendingCalls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
let callIds = 0

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

/** Ask the plugin; rejects with the error's code (and retryAfter) when it refuses. */
const call = (build: (id: number) => ChildToParent): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const id = ++callIds
    pendingCalls.set(id, { resolve, reject })
    send(build(id))
  })

const storeCall = (bot: string, op: StoreOp): Promise<unknown> => {
  // Refuse an oversized value here, before it crosses into the hub process.
  const quota = limits?.storeQuotaBytes ?? 0
  if (op.op === 'store.set' && op.value.length + op.key.length > quota) {
    return Promise.reject(Object.assign(new Error(`The bot's store is full (${quota} bytes).`), { code: 'BOTS_STORE_QUOTA' }))
  }
  return call((id) => ({ t: 'store', id, bot, op }))
}

const hubCall = (bot: string, op: HubOp): Promise<unknown> => call((id) => ({ t: 'hub', id, bot, op }))

/** Tell the plugin the bot is done with these messages (it moves the bot's cursors). */
const reportDone = (bot: string, messages: BotMessage[]): void => {
  const seen = new Set<string>()
  const out: { room: string; seq: number }[] = []
  for (const { room, seq } of messages) {
    const key = `${room}\n${seq}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ room, seq })
  }
  if (out.length > 0) send({ t: 'done', bot, messages: out })
}

/**
 * The inputs of the bots' rooms, in order. A message (with its `attachment` events) is done here when
 * the bot takes none of it (its own, another bot's, a user it ignores for now, a full queue), else
 * when the engine hands it to the handlers. One a stopped bot cannot take is not done: it comes again.
 */
const feed = (items: { bot: string; input: BotInput }[]): void => {
  const done = new Map<string, BotMessage[]>()
  for (const { bot, input } of items) {
    const r = bots.get(bot)
    if (!r || r.stopped || !r.engine.running) continue
    if (input.kind === 'event') {
      r.engine.onEvent(input.name, input.data)
      continue
    }
    const { message, attachments } = input
    const intakes = [r.engine.onMessage(message), ...attachments.map((a) => r.engine.onEvent('attachment', a, message))]
    if (intakes.includes('queued')) continue
    const list = done.get(bot) ?? []
    list.push(message)
    done.set(bot, list)
  }
  for (const [bot, messages] of done) reportDone(bot, messages)
}

const roleOf = async (r: Running, room: string, user: string): Promise<string | undefined> => {
  const cached = r.roles.get(room)
  if (cached && Date.now() - cached.at < 2000) return cached.roles.get(user)
  const members = (await hubCall(r.spec.name, { op: 'members', room })) as { user: string; role: string }[]
  const roles = new Map(members.map((m) => [m.user, m.role]))
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
        await hubCall(spec.name, { op: 'say', room, text, ...(replyTo ? { replyTo } : {}) })
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
      // Before the handlers run: a message whose handler stops the bot is not handed over again.
      processed: (messages) => reportDone(spec.name, messages),
    }
    r = {
      spec,
      engine: new BotEngine(spec, limits, io, realClock),
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
  // A reload starts from an empty queue: what the bot had queued comes again from its cursor, once
  // the plugin hears `loaded` and follows the hub for it anew.
  try {
    const code = await compileBot(readFileSync(spec.file, 'utf8'), spec.file)
    const manifest = await running.engine.load(code)
    send({ t: 'loaded', bot: spec.name, manifest })
  } catch (err) {
    const fault = err instanceof BotFault ? err : new BotFault('load', (err as Error).message)
    send({ t: 'fault', bot: spec.name, kind: fault.kind, message: fault.message })
  }
}

const stop = (name: string): void => {
  const r = bots.get(name)
  if (!r) return
  r.stopped = true
  r.engine.stop()
  bots.delete(name)
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
    if (err instanceof CommandCoolingDown) {
      return reply({ error: { code: 'BOTS_OVERRUN_COOLDOWN', message: msg.name, retryAfter: err.retryAfter } })
    }
    reply({ error: { code: 'BOTS_COMMAND_FAILED', message: (err as Error).message } })
  }
}

/** The commands each bot offers the caller in the caller's room (its direct rooms come as `direct` first). */
const help = async (id: number, caller: CommandCaller): Promise<void> => {
  const commands: HelpEntry[] = []
  for (const r of bots.values()) {
    for (const c of await r.engine.allowedCommands(caller).catch(() => [])) {
      commands.push({ ...c, sensitive: c.sensitive || r.spec.commands[c.name]?.sensitive === true, bot: r.spec.name })
    }
  }
  send({ t: 'result', id, commands })
}

const answered = (id: number, value: unknown, error: { code: string; message: string; retryAfter?: number } | undefined): void => {
  const p = pendingCalls.get(id)
  if (!p) return
  pendingCalls.delete(id)
  if (error) p.reject(Object.assign(new Error(error.message), { code: error.code, ...(error.retryAfter ? { retryAfter: error.retryAfter } : {}) }))
  else p.resolve(value)
}

process.on('message', (raw: ParentToChild) => {
  switch (raw.t) {
    case 'init':
      limits = raw.limits
      inflightFd = openSync(raw.inflightFile, 'w')
      send({ t: 'ready' })
      return
    case 'load':
      void start(raw.bot)
      return
    case 'stop':
      stop(raw.bot)
      return
    case 'feed':
      feed(raw.items)
      return
    case 'direct':
      bots.get(raw.bot)?.engine.addDirect(raw.room)
      return
    case 'command':
      void runCommand(raw)
      return
    case 'help':
      void help(raw.id, raw.caller)
      return
    case 'store-result':
    case 'hub-result':
      answered(raw.id, raw.value, raw.error)
      return
  }
})

// The plugin went away (hub stopped or crashed): nothing to serve.
process.on('disconnect', () => {
  if (inflightFd !== undefined) closeSync(inflightFd)
  process.exit(0)
})
// The plugin stops the bot host with SIGTERM (it keeps the cursors itself).
process.on('SIGTERM', () => process.exit(0))
