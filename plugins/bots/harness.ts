// The bot test harness, for bot authors' own tests and `chathub bot test`: one bot in a real isolate
// against an in-memory room — no hub, no network (fetch still obeys the allow-list) — with a
// transcript of who said what and what the bot answered, and a virtual clock for schedules.
//
//   const h = await BotHarness.load('bots/remind.ts', { rooms: ['lobby'] })
//   await h.say('/remind 10m stretch', { as: 'alice' })
//   await h.advance('10m')
//   expect(h.answers().at(-1)?.text).toContain('stretch')
//   expect((await h.dm('ping', { as: 'bob' }))[0]?.text).toBe('pong') // a direct conversation
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { compileBot } from './compile.ts'
import { BotEngine, type BotIo, CommandCoolingDown, CommandDenied } from './engine.ts'
import { guardedFetch } from './fetch-guard.ts'
import type { CommandAcl, HostLimits, HostOp } from './protocol.ts'
import { VirtualClock } from './schedule.ts'

export interface TranscriptLine {
  room: string
  from: string
  text: string
  /** The message's sequence number in its room (0 for private answers). */
  seq: number
  /** Written by the bot. */
  bot: boolean
  /** A command's answer shown only to the caller. */
  private?: boolean
  replyTo?: number
  /** In a direct conversation with the bot: the other participant. */
  direct?: string
}

export interface HarnessOptions {
  /** The bot's account name (default: the file name without extension). */
  name?: string
  rooms?: string[]
  fetchAllow?: string[]
  commands?: Record<string, CommandAcl>
  /** Room roles of users (default member); `admins` are hub admins. */
  roles?: Record<string, 'owner' | 'moderator' | 'member'>
  admins?: string[]
  /** Virtual clock start (ms since epoch, default 2030-01-01T00:00Z). */
  now?: number
  limits?: Partial<HostLimits>
  /** Initial store content (values as JSON-able data). */
  store?: Record<string, unknown>
}

const DEFAULT_LIMITS: HostLimits = {
  memoryMb: 64,
  cpuMsPerEvent: 1000,
  wallMsPerEvent: 10_000,
  sendsPerSecond: 1000,
  sendBurst: 1000,
  queueMax: 1000,
  fetchTimeoutMs: 5000,
  fetchMaxBytes: 1024 * 1024,
  storeQuotaBytes: 1024 * 1024,
  replayMissed: 100,
  overrunsPerUser: 3,
  overrunWindowMs: 300_000,
}

export class BotHarness {
  readonly clock: VirtualClock
  readonly transcript: TranscriptLine[] = []
  readonly logs: string[] = []
  readonly faults: { kind: string; message: string }[] = []
  /** Events skipped for running over their budget (not faults: the bot runs on). */
  readonly overruns: { kind: string; message: string; user: string }[] = []
  /** The bot's store: key -> JSON text. */
  readonly store = new Map<string, string>()
  private readonly seqs = new Map<string, number>()
  private readonly engine: BotEngine
  private readonly rooms: string[]
  private readonly pending = new Set<Promise<unknown>>()
  /** Direct rooms: room -> the user the bot talks with; ids as the hub would give them (the bot's is 1). */
  private readonly directs = new Map<string, string>()
  private readonly userIds = new Map<string, number>()

  private constructor(
    readonly name: string,
    private readonly code: string,
    private readonly options: HarnessOptions,
  ) {
    this.clock = new VirtualClock(options.now)
    this.rooms = options.rooms ?? ['lobby']
    const limits = { ...DEFAULT_LIMITS, ...options.limits }
    for (const [k, v] of Object.entries(options.store ?? {})) this.store.set(k, JSON.stringify(v))
    const io: BotIo = {
      say: async (room, text, replyTo) => {
        this.append({ room, from: this.name, text, bot: true, ...(replyTo ? { replyTo } : {}) })
      },
      roleOf: async (_room, user) => options.roles?.[user] ?? 'member',
      hostCall: (op) => this.hostCall(op, limits),
      log: (level, text) => this.logs.push(`${level} ${text}`),
      fault: (kind, message) => this.faults.push({ kind, message }),
      overrun: (kind, message, user) => this.overruns.push({ kind, message, user }),
    }
    this.engine = new BotEngine(
      { name, rooms: this.rooms, commands: options.commands ?? {}, permissions: { store: true, schedules: true } },
      limits,
      io,
      this.clock,
    )
  }

  /** Load a bot file (TypeScript or JavaScript). */
  static async load(file: string, options: HarnessOptions = {}): Promise<BotHarness> {
    return BotHarness.fromSource(readFileSync(file, 'utf8'), { name: basename(file).replace(/\.[cm]?[jt]s$/, ''), ...options }, file)
  }

  /** Load a bot from source text. */
  static async fromSource(source: string, options: HarnessOptions = {}, file = 'bot.ts'): Promise<BotHarness> {
    const h = new BotHarness(options.name ?? 'bot', await compileBot(source, file), options)
    await h.engine.load(h.code)
    return h
  }

  /**
   * A user says `text` in a room (default: the bot's first room); `/command args` runs a command
   * (`/help` lists those the user may run). Resolves with what the bot answered.
   */
  async say(text: string, options: { as?: string; room?: string } = {}): Promise<TranscriptLine[]> {
    return this.post(text, options.as ?? 'alice', options.room ?? this.rooms[0] ?? 'lobby')
  }

  /**
   * A user sends `text` to the bot in a direct conversation (opened on first use, named like the
   * hub's `dm-<id>-<id>`): every message there is addressed to the bot, so `respond` handlers fire
   * without an `@mention`; `/commands` work too. Resolves with what the bot answered.
   */
  async dm(text: string, options: { as?: string } = {}): Promise<TranscriptLine[]> {
    const user = options.as ?? 'alice'
    return this.post(text, user, this.directRoom(user))
  }

  /** The direct room of the bot and `user` (the bot's account is id 1, users count up from 2). */
  directRoom(user: string): string {
    let id = this.userIds.get(user)
    if (id === undefined) this.userIds.set(user, (id = this.userIds.size + 2))
    const room = `dm-1-${id}`
    this.directs.set(room, user)
    this.engine.addDirect(room)
    return room
  }

  private async post(text: string, user: string, room: string): Promise<TranscriptLine[]> {
    const from = this.transcript.length
    if (text.startsWith('/') && !text.startsWith('//')) {
      this.transcript.push({ room, from: user, text, seq: 0, bot: false, ...this.directOf(room) })
      await this.command(text, user, room)
    } else {
      const line = this.append({ room, from: user, text: text.startsWith('//') ? text.slice(1) : text, bot: false })
      if (this.engine.inRoom(room)) this.engine.onMessage({ room, seq: line.seq, from: user, text: line.text })
    }
    await this.settle()
    return this.transcript.slice(from).filter((l) => l.bot)
  }

  private directOf(room: string): { direct?: string } {
    const peer = this.directs.get(room)
    return peer === undefined ? {} : { direct: peer }
  }

  /**
   * Another event in a room: someone joined, left, edited or deleted a message, or posted an
   * attachment (`{ room, seq, user, id, name, mime, size, width?, height? }`).
   */
  async event(name: 'join' | 'leave' | 'edit' | 'delete' | 'attachment', data: Record<string, unknown>): Promise<TranscriptLine[]> {
    const from = this.transcript.length
    // An attachment belongs to a message: ctx.reply answers it.
    const message =
      name === 'attachment' && typeof data.room === 'string' && typeof data.user === 'string'
        ? { room: data.room, seq: typeof data.seq === 'number' ? data.seq : 0, from: data.user, text: typeof data.text === 'string' ? data.text : '' }
        : undefined
    this.engine.onEvent(name, data, message)
    await this.settle()
    return this.transcript.slice(from).filter((l) => l.bot)
  }

  /** Move the virtual clock (`'1h'`, `'10m'`, ms), firing schedules; resolves with the bot's messages. */
  async advance(by: number | string): Promise<TranscriptLine[]> {
    const from = this.transcript.length
    await this.clock.advance(by, () => this.settle())
    return this.transcript.slice(from).filter((l) => l.bot)
  }

  /** Everything the bot said so far. */
  answers(): TranscriptLine[] {
    return this.transcript.filter((l) => l.bot)
  }

  /** The transcript as text: `#room who: text`, or `[dm with user] who: text` in a direct conversation. */
  format(): string {
    return this.transcript
      .map((l) => `${l.direct === undefined ? `#${l.room}` : `[dm with ${l.direct}]`} ${l.from}${l.private ? ' (only to you)' : ''}: ${l.text}`)
      .join('\n')
  }

  /** Reload the bot from the same code with the same store (as after a hub restart). */
  async restart(): Promise<void> {
    await this.engine.load(this.code)
  }

  close(): void {
    this.engine.stop()
  }

  private append(line: Omit<TranscriptLine, 'seq'>): TranscriptLine {
    const seq = (this.seqs.get(line.room) ?? 0) + 1
    this.seqs.set(line.room, seq)
    const full = { ...line, seq, ...this.directOf(line.room) }
    this.transcript.push(full)
    return full
  }

  private async command(text: string, user: string, room: string): Promise<void> {
    const [name = '', ...args] = text.slice(1).trim().split(/\s+/)
    const caller = { user, room, admin: this.options.admins?.includes(user) ?? false }
    const answer = (t: string) =>
      this.transcript.push({ room, from: this.name, text: t, seq: 0, bot: true, private: true, ...this.directOf(room) })
    if (name === 'help') {
      const cmds = await this.engine.allowedCommands(caller)
      answer(cmds.map((c) => `/${c.name}${c.usage ? ` ${c.usage}` : ''} — ${c.help || 'no help text'}`).join('\n') || 'No bot commands you may run in this room.')
      return
    }
    if (!this.engine.hasCommand(name)) {
      answer(`(no command /${name})`)
      return
    }
    try {
      const out = await this.engine.command(name, args, caller)
      if (out) answer(out)
    } catch (err) {
      answer(
        err instanceof CommandDenied
          ? `(you may not run /${name} here)`
          : err instanceof CommandCoolingDown
            ? `(the bot ignores you for ${err.retryAfter} s: your messages made it run over its budget)`
            : `(the command failed: ${(err as Error).message})`,
      )
    }
  }

  private async settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      await this.engine.idle()
      await Promise.all(this.pending)
      await new Promise((r) => setImmediate(r))
      if (this.pending.size === 0) {
        await this.engine.idle()
        return
      }
    }
  }

  private hostCall(op: HostOp, limits: HostLimits): Promise<unknown> {
    const run = async (): Promise<unknown> => {
      switch (op.op) {
        case 'fetch':
          return guardedFetch(op, { allow: this.options.fetchAllow ?? [], timeoutMs: limits.fetchTimeoutMs, maxBytes: limits.fetchMaxBytes })
        case 'store.get': {
          const v = this.store.get(op.key)
          return v === undefined ? null : (JSON.parse(v) as unknown)
        }
        case 'store.set': {
          let used = op.key.length + op.value.length
          for (const [k, v] of this.store) if (k !== op.key) used += k.length + v.length
          if (used > limits.storeQuotaBytes) {
            throw Object.assign(new Error(`The bot's store is full (${limits.storeQuotaBytes} bytes).`), { code: 'BOTS_STORE_QUOTA' })
          }
          this.store.set(op.key, op.value)
          return null
        }
        case 'store.delete':
          return this.store.delete(op.key)
        case 'store.keys':
          return [...this.store.keys()].sort()
      }
    }
    const p = run()
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p)).catch(() => undefined)
    return p
  }
}

