// One bot's runtime, independent of how it talks to the hub: queues its events (one handler run at a
// time, bounded), routes messages to hear/respond, runs commands behind their access controls,
// fires schedules on a clock, and performs what handlers ask (sends only to its rooms, rate-limited).
// An event a user sent that runs over its CPU or wall-time budget is skipped, not held against the
// bot: the isolate is rebuilt at once, the other events go on, and a user who keeps causing overruns
// is ignored for a while (OverrunGuard).
// Its rooms are the configured ones plus the direct conversations it takes part in (addDirect), where
// every message is addressed to it.
// The bot host child process wires it to the plugin over IPC (which acts for it on the hub); the test
// harness to an in-memory room.
import { OverrunGuard } from './overruns.ts'
import { BotFault, BotSandbox, type DispatchResult, isOverrun } from './sandbox.ts'
import { Cron, type Clock, parseInterval } from './schedule.ts'
import type {
  BotAction,
  BotEvent,
  BotEventName,
  BotManifest,
  BotMessage,
  CommandAcl,
  CommandCaller,
  CommandInfo,
  HostLimits,
  HostOp,
} from './protocol.ts'

/** The bot's powers, provided by whoever runs the engine. */
export interface BotIo {
  /** Post a message as the bot (the hub checks membership, scope and rate again). */
  say(room: string, text: string, replyTo?: number): Promise<void>
  /** The user's role in a room, for command access controls. */
  roleOf(room: string, user: string): Promise<string | undefined>
  /** store.* and fetch from a handler. */
  hostCall(op: HostOp): Promise<unknown>
  log(level: 'info' | 'warn' | 'error', text: string): void
  /** The bot broke a limit or threw: the engine has stopped; the supervisor decides what next. */
  fault(kind: string, message: string): void
  /**
   * An event from `user` ran over its CPU or wall-time budget: it was skipped and the bot goes on
   * (not a failure of the bot). `cooldownMs` > 0: the user is ignored that long from now.
   */
  overrun?(kind: string, message: string, user: string, cooldownMs: number): void
  /** Called when the bot starts and stops running code (the bot host marks it for crash blame). */
  busy?(running: boolean): void
  /**
   * Messages the bot is done with: handed to its handlers (just before they run) or ignored by it
   * (its own, other bots'). The plugin keeps a per-room cursor of them to replay missed messages.
   */
  processed?(messages: BotMessage[]): void
}

/** What became of a message or event offered to the engine. */
export type Intake = 'queued' | 'ignored' | 'dropped'

export interface EngineSpec {
  name: string
  rooms: string[]
  commands: Record<string, CommandAcl>
  permissions: { store: boolean; schedules: boolean }
}

/** An event waiting for the isolate, with who waits for its result. */
interface Waiting {
  event: BotEvent
  resolve: (v: string | undefined) => void
  reject: (e: BotFault) => void
  generation: number
}

/** Events handed to the isolate in one call when they queue up (each keeps its own CPU cap). */
const BATCH = 32

export class CommandDenied extends Error {
  override readonly name = 'CommandDenied'
}

/** A command from a user the bot ignores for now (too many overruns); `retryAfter` in seconds. */
export class CommandCoolingDown extends Error {
  override readonly name = 'CommandCoolingDown'
  constructor(readonly retryAfter: number) {
    super(`ignored for ${retryAfter} s after CPU overruns`)
  }
}

/** The user an event comes from (who could have triggered an overrun), if any: ticks have none. */
const userOf = (event: BotEvent): string | undefined => {
  if (event.kind === 'tick') return undefined
  if (event.kind === 'event' && typeof event.data.user === 'string') return event.data.user
  return event.message?.from
}

/** Split command arguments, keeping "quoted phrases" together (`/poll "lunch?" pizza tacos`). */
export const splitArgs = (raw: string): string[] => {
  const out: string[] = []
  for (const m of raw.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '')
  return out
}

export class BotEngine {
  private sandbox: BotSandbox | undefined
  /** The compiled code, to rebuild the isolate after an overrun. */
  private code = ''
  /** Set while the isolate is rebuilt after an overrun: the bot still counts as running. */
  private rebuilding = false
  private readonly overruns: OverrunGuard
  manifest: BotManifest | undefined
  private queue: Promise<void> = Promise.resolve()
  private readonly waiting: Waiting[] = []
  private draining = false
  private dropped = 0
  private readonly timers = new Map<number, () => void>()
  private tokens: number
  private refilledAt: number
  private generation = 0
  /** Direct rooms the bot takes part in, as the plugin learned them from the hub. */
  private readonly direct = new Set<string>()

  constructor(
    readonly spec: EngineSpec,
    private readonly limits: HostLimits,
    private readonly io: BotIo,
    private readonly clock: Clock,
  ) {
    this.tokens = limits.sendBurst
    this.refilledAt = clock.now()
    this.overruns = new OverrunGuard(limits.overrunsPerUser, limits.overrunWindowMs)
  }

  /** A direct conversation the bot takes part in; true when it was new to the engine. */
  addDirect(room: string): boolean {
    if (this.direct.has(room)) return false
    this.direct.add(room)
    return true
  }

  isDirect(room: string): boolean {
    return this.direct.has(room)
  }

  /** One of the bot's rooms: configured, or a direct conversation with it. */
  inRoom(room: string): boolean {
    return this.spec.rooms.includes(room) || this.direct.has(room)
  }

  get running(): boolean {
    return this.sandbox !== undefined && (this.rebuilding || !this.sandbox.disposed)
  }

  private createSandbox(code: string): Promise<BotSandbox> {
    this.io.busy?.(true)
    return BotSandbox.create({
      name: this.spec.name,
      code,
      limits: { memoryMb: this.limits.memoryMb, cpuMs: this.limits.cpuMsPerEvent, wallMs: this.limits.wallMsPerEvent },
      hostCall: (op) => this.hostCall(op),
      onActions: (actions) => this.perform(actions),
    }).finally(() => this.io.busy?.(false))
  }

  /** Start (or restart) the bot from compiled code; throws a BotFault when it cannot load. */
  async load(code: string): Promise<BotManifest> {
    this.stop()
    const generation = ++this.generation
    this.code = code
    const sandbox = await this.createSandbox(code)
    if (generation !== this.generation) {
      sandbox.dispose()
      throw new BotFault('load', 'superseded by a newer load')
    }
    this.sandbox = sandbox
    this.manifest = sandbox.manifest
    try {
      this.schedule(sandbox.manifest, generation)
    } catch (err) {
      this.stop()
      throw new BotFault('load', (err as Error).message)
    }
    return sandbox.manifest
  }

  /** Dispose the isolate and cancel schedules; queued events are dropped. */
  stop(): void {
    this.generation++
    for (const b of this.waiting.splice(0)) b.resolve(undefined)
    for (const cancel of this.timers.values()) cancel()
    this.timers.clear()
    this.sandbox?.dispose()
    this.sandbox = undefined
  }

  /**
   * A message in one of the bot's rooms: `queued` for its handlers, `ignored` (its own, another
   * bot's) or `dropped` (the bot is not running or its queue is full).
   */
  onMessage(message: BotMessage): Intake {
    if (message.from === this.spec.name || message.bot) return 'ignored'
    if (this.ignoring(message.from)) return 'ignored'
    if (!this.accepts()) return 'dropped'
    const direct = this.direct.has(message.room)
    // In a direct conversation everything is addressed to the bot; a leading @mention is dropped.
    const addressed = direct ? (this.addressed(message.text) ?? message.text) : this.addressed(message.text)
    this.enqueue({
      kind: 'message',
      ...this.stamp(),
      message: this.mark(message),
      ...(addressed === undefined ? {} : { addressed }),
    }).catch(() => undefined)
    return 'queued'
  }

  /** A room event; `message` is the message it belongs to (attachments), so `ctx.reply` works. */
  onEvent(name: BotEventName, data: Record<string, unknown>, message?: BotMessage): Intake {
    if (!this.manifest?.events.includes(name)) return 'ignored'
    if (data.user === this.spec.name) return 'ignored'
    if (typeof data.user === 'string' && this.ignoring(data.user)) return 'ignored'
    if (!this.accepts()) return 'dropped'
    this.enqueue({ kind: 'event', ...this.stamp(), name, data, ...(message ? { message: this.mark(message) } : {}) }).catch(() => undefined)
    return 'queued'
  }

  /** The commands this bot offers that `caller` may run, for /help. */
  async allowedCommands(caller: CommandCaller): Promise<CommandInfo[]> {
    if (!this.running || !this.inRoom(caller.room)) return []
    const out: CommandInfo[] = []
    for (const c of this.manifest?.commands ?? []) if (await this.may(c.name, caller)) out.push(c)
    return out
  }

  hasCommand(name: string): boolean {
    return this.manifest?.commands.some((c) => c.name === name) ?? false
  }

  /** Run a command for a caller (access controls first). Resolves to the private answer, if any. */
  async command(name: string, args: string[], caller: CommandCaller, seq = 0): Promise<string | undefined> {
    if (!this.inRoom(caller.room) || !this.hasCommand(name)) return undefined
    if (!(await this.may(name, caller))) throw new CommandDenied(name)
    const wait = this.overruns.cooldownMs(caller.user, this.clock.now())
    if (wait > 0) throw new CommandCoolingDown(Math.ceil(wait / 1000))
    const message = this.mark({ room: caller.room, seq, from: caller.user, text: `/${name} ${args.join(' ')}`.trim() })
    const event: BotEvent = { kind: 'command', ...this.stamp(), name, args: splitArgs(args.join(' ')), raw: args.join(' '), message }
    return this.enqueue(event)
  }

  /** Resolves when every queued event has been handled (the harness waits on it). */
  idle(): Promise<void> {
    return this.queue
  }

  /** Whether the bot ignores `user` for now (too many overruns); says so in its log once. */
  private ignoring(user: string): boolean {
    const wait = this.overruns.cooldownMs(user, this.clock.now())
    if (wait <= 0) return false
    if (this.overruns.firstSkip(user)) {
      this.io.log('warn', `ignoring ${user} for ${Math.ceil(wait / 1000)} s: their messages made the bot run over its budget ${this.limits.overrunsPerUser} times`)
    }
    return true
  }

  /** The message as handlers see it: `direct: true` in a direct conversation. */
  private mark(message: BotMessage): BotMessage {
    return this.direct.has(message.room) ? { ...message, direct: true } : message
  }

  private addressed(text: string): string | undefined {
    const m = /^@([a-z0-9][a-z0-9._-]*)[:,]?(?:\s+|$)/i.exec(text)
    if (!m || m[1]?.toLowerCase() !== this.spec.name) return undefined
    return text.slice(m[0].length)
  }

  private async may(name: string, caller: CommandCaller): Promise<boolean> {
    const acl = this.spec.commands[name] ?? {}
    if (acl.rooms?.length && !acl.rooms.includes(caller.room)) return false
    const users = acl.users ?? []
    const roles = acl.roles ?? []
    if (users.length === 0 && roles.length === 0) return true
    if (users.includes(caller.user)) return true
    if (roles.includes('admin') && caller.admin) return true
    const roomRoles = roles.filter((r) => r !== 'admin')
    if (roomRoles.length === 0) return false
    const role = await this.io.roleOf(caller.room, caller.user)
    if (role === undefined) return false
    // A higher room role includes the lower ones.
    const rank: Record<string, number> = { member: 1, moderator: 2, owner: 3 }
    return roomRoles.some((r) => (rank[role] ?? 0) >= (rank[r] ?? 99))
  }

  /** Whether an event can queue now (running, queue not full); counts and logs a drop otherwise. */
  private accepts(): boolean {
    if (!this.running) return false
    if (this.waiting.length >= this.limits.queueMax) {
      if (this.dropped++ === 0) this.io.log('warn', `event queue full (${this.limits.queueMax}); dropping events`)
      return false
    }
    return true
  }

  /** The time fields of an event: the clock's now, and whether the bot should see it frozen. */
  private stamp(): { now: number; frozen?: boolean } {
    return this.clock.frozen ? { now: this.clock.now(), frozen: true } : { now: this.clock.now() }
  }

  private enqueue(event: BotEvent): Promise<string | undefined> {
    if (!this.accepts()) return Promise.resolve(undefined)
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject, generation: this.generation })
      if (!this.draining) this.queue = this.drain()
    })
  }

  /** Hand queued events to the isolate, up to BATCH per call, in order, one call at a time. */
  private async drain(): Promise<void> {
    this.draining = true
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, BATCH)
        const generation = batch[0]?.generation
        const sandbox = this.sandbox
        if (!sandbox || generation !== this.generation || batch.some((b) => b.generation !== generation)) {
          for (const b of batch) b.resolve(undefined)
          continue
        }
        // Marked before the handlers run: a message whose handler crashes the bot is not replayed.
        const messages = batch.flatMap(({ event: e }) => (e.kind !== 'tick' && e.message && e.message.seq > 0 ? [e.message] : []))
        if (messages.length > 0) this.io.processed?.(messages)
        // Events of users the bot ignores now (queued before their last overrun) are skipped.
        const now = this.clock.now()
        const run = batch.filter((b) => {
          const user = userOf(b.event)
          if (user === undefined || this.overruns.cooldownMs(user, now) <= 0) return true
          b.resolve(undefined)
          return false
        })
        if (run.length === 0) continue
        this.io.busy?.(true)
        try {
          await sandbox.dispatch(
            run.map((b) => b.event),
            (i, r: DispatchResult) => {
              this.perform(r.actions)
              run[i]?.resolve(r.result)
            },
          )
          if (this.dropped > 0) {
            this.io.log('warn', `${this.dropped} events dropped while the queue was full`)
            this.dropped = 0
          }
        } catch (err) {
          const fault = err instanceof BotFault ? err : new BotFault('error', String(err))
          if (generation === this.generation && (await this.survive(fault, run))) {
            run[fault.index ?? 0]?.reject(fault)
          } else {
            if (generation === this.generation) {
              this.stop()
              this.io.fault(fault.kind, fault.message)
            }
            for (const b of run) b.reject(fault)
          }
        } finally {
          this.io.busy?.(false)
        }
      }
    } finally {
      this.draining = false
    }
  }

  /**
   * An event a user sent broke its CPU or wall-time budget: skip it (log it, count it against that
   * user), put the events after it back at the head of the queue, and rebuild the isolate. False
   * when this is not such an overrun (a throw, memory, a schedule's own overrun) or the rebuild fails:
   * then the bot stops and the supervisor counts a failure.
   */
  private async survive(fault: BotFault, batch: Waiting[]): Promise<boolean> {
    const index = fault.index ?? 0
    const culprit = batch[index]
    const user = culprit ? userOf(culprit.event) : undefined
    if (!isOverrun(fault) || user === undefined || user === this.spec.name) return false
    const generation = this.generation
    // Those after the culprit never ran: they go first again, in order.
    this.waiting.unshift(...batch.slice(index + 1))
    const cooldown = this.overruns.note(user, this.clock.now())
    this.io.overrun?.(fault.kind, fault.message, user, cooldown)
    this.rebuilding = true
    try {
      const sandbox = await this.createSandbox(this.code)
      if (generation !== this.generation) sandbox.dispose()
      else this.sandbox = sandbox
      return true
    } catch (err) {
      this.io.log('error', `the bot could not be restarted after an overrun: ${(err as Error).message}`)
      return false
    } finally {
      this.rebuilding = false
    }
  }

  private perform(actions: BotAction[]): void {
    let flooded = 0
    for (const action of actions) {
      if (action.a === 'log') {
        this.io.log('info', action.text)
        continue
      }
      if (!this.inRoom(action.room)) {
        this.io.log('warn', `not sent: the bot is not in room "${action.room}"`)
        continue
      }
      if (!this.take()) {
        flooded++
        continue
      }
      // Reactions are not in wire protocol v1: a reaction is a reply carrying just the emoji.
      const [text, replyTo] = action.a === 'react' ? [action.emoji, action.seq] : [action.text, action.replyTo]
      this.io.say(action.room, text, replyTo || undefined).catch((err: unknown) => {
        // The hub's refusal keeps its code (CHATHUB_RATE_LIMITED, CHATHUB_NOT_MEMBER, ...).
        const code = (err as { code?: unknown }).code
        this.io.log('warn', `send to ${action.room} refused${typeof code === 'string' ? ` (${code})` : ''}: ${(err as Error).message}`)
      })
    }
    if (flooded > 0) {
      this.io.log('warn', `send rate exceeded (${this.limits.sendsPerSecond}/s): ${flooded} messages dropped`)
      if (flooded >= 50 && this.running) {
        this.stop()
        this.io.fault('flood', `the bot tried to send ${flooded} messages over its rate (${this.limits.sendsPerSecond}/s)`)
      }
    }
  }

  private take(): boolean {
    const now = this.clock.now()
    this.tokens = Math.min(this.limits.sendBurst, this.tokens + ((now - this.refilledAt) / 1000) * this.limits.sendsPerSecond)
    this.refilledAt = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  private hostCall(op: HostOp): Promise<unknown> {
    if (op.op.startsWith('store.') && !this.spec.permissions.store) {
      return Promise.reject(Object.assign(new Error('this bot has no store permission'), { code: 'BOTS_FORBIDDEN' }))
    }
    return this.io.hostCall(op)
  }

  private schedule(manifest: BotManifest, generation: number): void {
    if (manifest.schedules.length > 0 && !this.spec.permissions.schedules) {
      throw new Error('this bot has no schedules permission')
    }
    manifest.schedules.forEach((s, id) => {
      const fire = () => {
        if (generation !== this.generation) return
        this.enqueue({ kind: 'tick', ...this.stamp(), id }).catch(() => undefined)
      }
      if (s.kind === 'every') {
        const ms = Math.max(1000, parseInterval(s.spec))
        const arm = () => {
          this.timers.set(
            id,
            this.clock.setTimer(ms, () => {
              arm()
              fire()
            }),
          )
        }
        arm()
      } else {
        const cron = new Cron(s.spec)
        const arm = () => {
          const now = this.clock.now()
          this.timers.set(
            id,
            this.clock.setTimer(cron.next(now) - now, () => {
              arm()
              fire()
            }),
          )
        }
        arm()
      }
    })
  }
}
