// The hub side of the bot host: spawn the child process, restart it (and each bot) with back-off,
// disable a bot after repeated failures and say so (error log, status file, audit), answer the
// child's store and hub calls, forward commands, reload a bot when its file changes or an admin flips
// it. Each bot follows the hub in this process (hub-feed.ts: its account through ctx.hub, its rooms'
// events, its cursors) from the moment its code is loaded; the inputs go to the child over IPC, one
// message per turn. Overruns a user's event caused are counted apart: logged, never failures.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, type FSWatcher, mkdirSync, readFileSync, watch } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { FastifyBaseLogger } from 'fastify'
import type { AuditEntry, Db, HubApi } from '#core/plugin-api'
import { type BackoffOptions, backoffDelay, ChatError } from '#core/plugin-api'
import type { BotsConfig } from './config.ts'
import { CursorFile } from './cursors.ts'
import { botsErrors } from './errors.ts'
import { BotFeed } from './hub-feed.ts'
import type {
  BotInput,
  BotManifest,
  BotSpec,
  BotState,
  CallError,
  ChildToParent,
  CommandCaller,
  HelpEntry,
  HostLimits,
  ParentToChild,
} from './protocol.ts'
import { appendLog, type BotStatus, botsDir, cursorsDir, readAdmin, writeStatus } from './state-files.ts'
import { runStoreOp } from './store.ts'

/**
 * How to start the bot host: the compiled `host-process.js` beside this module, or, when the hub runs
 * from its TypeScript sources (tests, benchmarks), `host-process.ts` through tsx.
 */
const hostCommand = (): string[] => {
  const fromSources = import.meta.url.endsWith('.ts')
  const file = fileURLToPath(new URL(fromSources ? './host-process.ts' : './host-process.js', import.meta.url))
  if (!fromSources) return ['--no-node-snapshot', file]
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return ['--no-node-snapshot', '--conditions=chathub-source', '--import', tsx, file]
}

interface BotEntry {
  spec: BotSpec
  state: BotState
  manifest: BotManifest | undefined
  failures: number[]
  restarts: number
  /** Events users sent that ran over their budget (skipped; not failures). */
  overruns: number
  lastError?: string
  lastErrorAt?: string
  timer: NodeJS.Timeout | undefined
  enabledSeen: number
  /** Direct rooms the bot takes part in (as its feed learned them from the hub). */
  direct: Set<string>
  /** The bot's side of the hub: its account, its rooms' events, its cursors. */
  feed: BotFeed
}

export interface SupervisorOptions {
  config: BotsConfig
  /** Each bot, with the id of its account (which names its direct rooms). */
  bots: { spec: BotSpec; accountId: number }[]
  hub: HubApi
  db: Db
  log: FastifyBaseLogger
  dataDir: string
  audit(entry: AuditEntry): void
  now(): number
}

export class Supervisor {
  private child: ChildProcess | undefined
  private ready = false
  private closing = false
  /** Inputs for the child not sent yet: sent as one `feed` message at the end of the turn. */
  private outbox: { bot: string; input: BotInput }[] = []
  private flushQueued = false
  private readonly bots = new Map<string, BotEntry>()
  private readonly pending = new Map<number, { resolve: (m: Extract<ChildToParent, { t: 'result' }>) => void; timer: NodeJS.Timeout }>()
  private ids = 0
  private crashes: number[] = []
  private childTimer: NodeJS.Timeout | undefined
  private readonly watchers: FSWatcher[] = []
  private readonly reloadTimers = new Map<string, NodeJS.Timeout>()
  private stderrTail = ''
  private readonly inflightFile: string
  private statusTimer: NodeJS.Timeout | undefined

  constructor(private readonly o: SupervisorOptions) {
    this.inflightFile = join(botsDir(o.dataDir), 'inflight')
    const admin = readAdmin(o.dataDir)
    for (const { spec, accountId } of o.bots) {
      const disabled = admin.disabled.includes(spec.name) || o.config.bots[spec.name]?.enabled === false
      const log = (level: 'info' | 'warn' | 'error', text: string) => this.botLog(spec.name, level, text)
      const feed = new BotFeed({
        hub: o.hub,
        name: spec.name,
        accountId,
        rooms: spec.rooms,
        replayMissed: o.config.replayMissed,
        cursors: new CursorFile(cursorsDir(o.dataDir), spec.name, (text) => log('warn', text)),
        forward: (input) => this.forward(spec.name, input),
        direct: (room) => this.directRoom(spec.name, room),
        log,
      })
      this.bots.set(spec.name, {
        spec,
        state: disabled ? 'disabled' : 'starting',
        manifest: undefined,
        failures: [],
        restarts: 0,
        overruns: 0,
        timer: undefined,
        enabledSeen: admin.enabledAt[spec.name] ?? 0,
        direct: new Set(),
        feed,
      })
    }
  }

  /** The hub listens: start the bot host and watch the bots folder and the admin file. */
  start(): void {
    mkdirSync(botsDir(this.o.dataDir), { recursive: true })
    this.spawnChild()
    this.watch()
    this.writeStatus()
  }

  status(name: string): BotEntry | undefined {
    return this.bots.get(name)
  }

  /** Bots in a room (configured, or a direct conversation with them) that offer a command, running ones first. */
  commandBots(name: string, room: string): BotEntry[] {
    return [...this.bots.values()]
      .filter((b) => (b.spec.rooms.includes(room) || b.direct.has(room)) && b.manifest?.commands.some((c) => c.name === name))
      .sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running'))
  }

  knowsCommand(name: string): boolean {
    return [...this.bots.values()].some((b) => b.manifest?.commands.some((c) => c.name === name))
  }

  /** Ask the child to run a command; resolves to the private answer (or throws the bot's ChatError). */
  async command(bot: string, name: string, args: string[], caller: CommandCaller): Promise<string | undefined> {
    // A child that came back since does not know the conversation yet.
    if (this.bots.get(bot)?.direct.has(caller.room)) this.send({ t: 'direct', bot, room: caller.room })
    const res = await this.request((id) => ({ t: 'command', id, bot, name, args, caller }), bot)
    if (res.error) {
      if (res.error.code === 'BOTS_COMMAND_FORBIDDEN') throw botsErrors.commandForbidden(name)
      if (res.error.code === 'BOTS_UNAVAILABLE') throw botsErrors.unavailable(bot)
      if (res.error.code === 'BOTS_OVERRUN_COOLDOWN') {
        const seconds = res.error.retryAfter ?? 1
        const err = botsErrors.overrunCooldown(bot, seconds)
        throw new ChatError(err.code, err.message, err.status, { retryAfter: seconds })
      }
      throw botsErrors.commandFailed(name)
    }
    return res.text
  }

  /**
   * Which bot takes part in the direct room `room` (a command in a conversation the bot has not seen
   * a message of yet): its feed asks the hub; remembered for commandBots and told to the child.
   */
  findDirect(room: string): void {
    for (const b of this.bots.values()) {
      if (!b.direct.has(room) && b.feed.ownsDirect(room)) this.directRoom(b.spec.name, room)
    }
  }

  /** The commands the bots offer `caller` in the caller's room (those the caller may run). */
  async help(caller: CommandCaller): Promise<HelpEntry[]> {
    // A room no bot is configured for may be a direct conversation with one of them.
    if (![...this.bots.values()].some((b) => b.spec.rooms.includes(caller.room))) this.findDirect(caller.room)
    const res = await this.request((id) => ({ t: 'help', id, caller }), 'bots')
    return res.commands ?? []
  }

  async close(): Promise<void> {
    this.closing = true
    for (const w of this.watchers.splice(0)) w.close()
    for (const t of this.reloadTimers.values()) clearTimeout(t)
    for (const b of this.bots.values()) clearTimeout(b.timer)
    clearTimeout(this.childTimer)
    clearTimeout(this.statusTimer)
    for (const b of this.bots.values()) b.feed.close()
    const child = this.child
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 2000).unref()
      })
    }
    this.writeStatusNow(false)
  }

  private request(build: (id: number) => ParentToChild, bot: string): Promise<Extract<ChildToParent, { t: 'result' }>> {
    if (!this.ready) return Promise.reject(botsErrors.unavailable(bot))
    const id = ++this.ids
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(botsErrors.unavailable(bot))
      }, this.o.config.wallMsPerEvent + 2000)
      this.pending.set(id, { resolve, timer })
      this.send(build(id))
    })
  }

  /** Any message to the child goes after the inputs queued before it. */
  private send(msg: ParentToChild): void {
    this.flush()
    if (this.child?.connected) this.child.send(msg)
  }

  /** An input of a bot's rooms (its feed follows only while the bot is loaded in a ready child). */
  private forward(bot: string, input: BotInput): void {
    this.outbox.push({ bot, input })
    if (this.flushQueued) return
    this.flushQueued = true
    queueMicrotask(() => this.flush())
  }

  private flush(): void {
    this.flushQueued = false
    if (this.outbox.length === 0) return
    const items = this.outbox
    this.outbox = []
    if (this.ready && this.child?.connected) this.child.send({ t: 'feed', items })
  }

  /** The bot takes part in a direct room: commands there reach it, its engine marks it direct. */
  private directRoom(bot: string, room: string): void {
    this.bots.get(bot)?.direct.add(room)
    this.send({ t: 'direct', bot, room })
  }

  /** A line in the bot's log; an error is also its last error (status, `bot list`). */
  private botLog(bot: string, level: 'info' | 'warn' | 'error', text: string): void {
    appendLog(this.o.dataDir, bot, level, text)
    if (level !== 'error') return
    const b = this.bots.get(bot)
    if (b) this.setError(b, text)
  }

  private limits(): HostLimits {
    const c = this.o.config
    return {
      memoryMb: c.memoryMb,
      cpuMsPerEvent: c.cpuMsPerEvent,
      wallMsPerEvent: c.wallMsPerEvent,
      sendsPerSecond: c.sendsPerSecond,
      sendBurst: c.sendBurst,
      queueMax: c.queueMax,
      fetchTimeoutMs: c.fetchTimeoutMs,
      fetchMaxBytes: c.fetchMaxBytes,
      storeQuotaBytes: c.storeQuotaBytes,
      replayMissed: c.replayMissed,
      overrunsPerUser: c.overrunsPerUser,
      overrunWindowMs: c.overrunWindowMs,
    }
  }

  /** Restart delays of the bot host and of each bot (restartDelayMs doubling up to maxRestartDelayMs). */
  private restartBackoff(): BackoffOptions {
    return { minMs: this.o.config.restartDelayMs, maxMs: this.o.config.maxRestartDelayMs }
  }

  private spawnChild(): void {
    if (this.closing) return
    this.ready = false
    this.stderrTail = ''
    // A minimal environment: the bot host needs no secrets of the hub (server key, passwords).
    const env: Record<string, string> = {}
    for (const k of ['PATH', 'TMPDIR', 'TZ', 'LANG']) if (process.env[k] !== undefined) env[k] = process.env[k] as string
    const child = spawn(process.execPath, hostCommand(), {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env,
    })
    this.child = child
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000)
    })
    child.on('message', (msg: ChildToParent) => this.onChildMessage(msg))
    child.on('error', (err) => this.o.log.error({ err }, 'bot host failed to start'))
    child.on('exit', (code, signal) => this.onChildExit(child, code, signal))
    child.send({ t: 'init', limits: this.limits(), inflightFile: this.inflightFile })
  }

  private onChildExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return
    this.ready = false
    this.outbox = []
    // What the dead child was handed and had not done comes again from the cursors.
    for (const b of this.bots.values()) b.feed.unfollow()
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer)
      p.resolve({ t: 'result', id, error: { code: 'BOTS_UNAVAILABLE', message: 'bot host stopped' } })
    }
    this.pending.clear()
    if (this.closing) return
    const oom = /heap out of memory|Last few GCs|Fatal process out of memory/i.test(this.stderrTail)
    const why = `the bot host process died (${signal ?? `exit ${code}`}${oom ? ', out of memory' : ''}) while this bot was running`
    this.o.log.error({ code, signal, oom }, 'bot host process died; restarting it')
    let blamed: string[] = []
    try {
      blamed = readFileSync(this.inflightFile, 'utf8').split('\n').filter((n) => this.bots.has(n))
    } catch {
      // no marker: nobody to blame
    }
    for (const b of this.bots.values()) {
      if (b.state === 'running' || b.state === 'starting') b.state = 'starting'
    }
    for (const name of blamed) this.fault(name, oom ? 'memory' : 'crash', why, false)
    const now = Date.now()
    this.crashes = [...this.crashes.filter((t) => now - t < 60_000), now]
    const delay = backoffDelay(this.crashes.length - 1, this.restartBackoff())
    this.childTimer = setTimeout(() => this.spawnChild(), delay)
    this.childTimer.unref()
    this.writeStatus()
  }

  private onChildMessage(msg: ChildToParent): void {
    switch (msg.t) {
      case 'ready':
        this.ready = true
        for (const b of this.bots.values()) if (b.state === 'starting' && b.timer === undefined) this.load(b)
        return
      case 'loaded': {
        const b = this.bots.get(msg.bot)
        if (!b || b.state === 'disabled' || b.state === 'failed') return
        b.manifest = msg.manifest
        // Running once its rooms are joined and caught up (as far as they can be now).
        b.feed.follow().then(
          (current) => {
            if (!current || b.state !== 'starting') return
            b.state = 'running'
            this.writeStatus()
          },
          (err: unknown) => this.o.log.error({ err, bot: b.spec.name }, 'bot cannot follow the hub'),
        )
        return
      }
      case 'fault':
        return this.fault(msg.bot, msg.kind, msg.message, true)
      case 'overrun':
        return this.overrun(msg)
      case 'done': {
        const feed = this.bots.get(msg.bot)?.feed
        for (const m of msg.messages) feed?.done(m.room, m.seq)
        return
      }
      case 'hub':
        void this.hubCall(msg)
        return
      case 'log':
        return this.botLog(msg.bot, msg.level, msg.text)
      case 'result': {
        const p = this.pending.get(msg.id)
        if (!p) return
        this.pending.delete(msg.id)
        clearTimeout(p.timer)
        p.resolve(msg)
        return
      }
      case 'store': {
        let out: Extract<ParentToChild, { t: 'store-result' }>
        try {
          const value = runStoreOp(this.o.db, msg.bot, msg.op, this.o.config.storeQuotaBytes, this.o.now())
          out = { t: 'store-result', id: msg.id, value }
        } catch (err) {
          const code = err instanceof ChatError ? err.code : ((err as { code?: string }).code ?? 'BOTS_STORE_FAILED')
          if (!(err instanceof ChatError) && code === 'BOTS_STORE_FAILED') this.o.log.error({ err, bot: msg.bot }, 'bot store failed')
          out = { t: 'store-result', id: msg.id, error: { code, message: (err as Error).message } }
        }
        this.send(out)
        return
      }
    }
  }

  /**
   * Say or look up members as the bot's account, through its feed's HubActor: the hub's checks and
   * the account's rate limit apply; a refusal goes back with its code.
   */
  private async hubCall(msg: Extract<ChildToParent, { t: 'hub' }>): Promise<void> {
    const child = this.child
    const b = this.bots.get(msg.bot)
    let out: Extract<ParentToChild, { t: 'hub-result' }>
    try {
      if (!b || b.state === 'disabled' || b.state === 'failed') throw botsErrors.unavailable(msg.bot)
      const { op } = msg
      const value = op.op === 'say' ? await b.feed.say(op.room, op.text, op.replyTo) : b.feed.members(op.room)
      out = { t: 'hub-result', id: msg.id, value }
    } catch (err) {
      out = { t: 'hub-result', id: msg.id, error: this.callError(err, msg.bot) }
    }
    // Ids are the child's: a child started since never asked.
    if (this.child === child) this.send(out)
  }

  private callError(err: unknown, bot: string): CallError {
    if (err instanceof ChatError) return { code: err.code, message: err.message, ...(err.retryAfter ? { retryAfter: err.retryAfter } : {}) }
    this.o.log.error({ err, bot }, 'bot hub call failed')
    return { code: 'BOTS_ERROR', message: (err as Error).message }
  }

  private load(b: BotEntry): void {
    clearTimeout(b.timer)
    b.timer = undefined
    if (b.state === 'disabled' || b.state === 'failed') return
    b.state = 'starting'
    // Followed again once loaded: what the old code had not done comes again from the cursors.
    b.feed.unfollow()
    if (this.ready) this.send({ t: 'load', bot: b.spec })
    this.writeStatus()
  }

  private setError(b: BotEntry, message: string): void {
    b.lastError = message
    b.lastErrorAt = new Date().toISOString()
    this.writeStatus()
  }

  /**
   * An event a user sent ran over its CPU or wall-time budget: the bot host skipped it and the bot
   * runs on. Counted and logged apart from failures, so that no member can get a bot disabled.
   */
  private overrun(msg: Extract<ChildToParent, { t: 'overrun' }>): void {
    const b = this.bots.get(msg.bot)
    if (!b) return
    b.overruns++
    this.setError(b, `${msg.kind}: ${msg.message}`)
    appendLog(this.o.dataDir, msg.bot, 'warn', `skipped an event from ${msg.user} (${msg.kind}): ${msg.message}`)
    if (msg.cooldownMs > 0) {
      appendLog(this.o.dataDir, msg.bot, 'warn', `ignoring ${msg.user} for ${Math.ceil(msg.cooldownMs / 1000)} s after repeated overruns`)
    }
    this.o.log.warn({ bot: msg.bot, kind: msg.kind, user: msg.user, overruns: b.overruns }, 'bot event over its budget skipped')
  }

  /** A bot failed: count it, restart it after a back-off, or disable it after too many. */
  private fault(name: string, kind: string, message: string, childAlive: boolean): void {
    const b = this.bots.get(name)
    if (!b || b.state === 'disabled' || b.state === 'failed') return
    b.feed.unfollow()
    const now = Date.now()
    b.failures = [...b.failures.filter((t) => now - t < this.o.config.failureWindowMs), now]
    this.setError(b, `${kind}: ${message}`)
    appendLog(this.o.dataDir, name, 'error', `stopped (${kind}): ${message}`)
    if (b.failures.length >= this.o.config.maxFailures) {
      b.state = 'failed'
      clearTimeout(b.timer)
      b.timer = undefined
      if (childAlive) this.send({ t: 'stop', bot: name })
      this.o.log.error({ bot: name, failures: b.failures.length, kind, reason: message }, 'bot disabled after repeated failures; fix it and run `chathub bot enable`')
      this.o.audit({ actor: 'bots', action: 'bots.disabled', target: name, detail: { kind, failures: b.failures.length } })
      appendLog(this.o.dataDir, name, 'error', `disabled after ${b.failures.length} failures; edit the file or run \`chathub bot enable ${name}\``)
      this.writeStatus()
      return
    }
    this.o.log.warn({ bot: name, kind, reason: message }, 'bot stopped; restarting with back-off')
    b.state = 'starting'
    b.restarts++
    const delay = backoffDelay(b.failures.length - 1, this.restartBackoff())
    clearTimeout(b.timer)
    b.timer = setTimeout(() => this.load(b), delay)
    b.timer.unref()
    this.writeStatus()
  }

  /** Edits in the bots folder reload that bot; admin.json changes enable or disable bots. */
  private watch(): void {
    const dir = this.o.config.dir
    if (existsSync(dir)) {
      try {
        this.watchers.push(watch(dir, (_event, file) => file && this.fileChanged(join(dir, file.toString()))))
      } catch (err) {
        this.o.log.warn({ err, dir }, 'cannot watch the bots folder; edits need a hub restart')
      }
    }
    this.watchers.push(
      watch(botsDir(this.o.dataDir), (_event, file) => {
        if (file?.toString() === 'admin.json') this.adminChanged()
      }),
    )
  }

  private fileChanged(file: string): void {
    for (const b of this.bots.values()) {
      if (b.spec.file !== file && basename(b.spec.file) !== basename(file)) continue
      if (dirname(b.spec.file) !== dirname(file)) continue
      clearTimeout(this.reloadTimers.get(b.spec.name))
      const timer = setTimeout(() => {
        this.reloadTimers.delete(b.spec.name)
        if (b.state === 'disabled' || !existsSync(b.spec.file)) return
        b.failures = []
        if (b.state === 'failed') b.state = 'starting'
        appendLog(this.o.dataDir, b.spec.name, 'info', 'file changed; reloading')
        this.load(b)
      }, 100)
      timer.unref()
      this.reloadTimers.set(b.spec.name, timer)
    }
  }

  private adminChanged(): void {
    const admin = readAdmin(this.o.dataDir)
    for (const b of this.bots.values()) {
      const name = b.spec.name
      const enabledAt = admin.enabledAt[name] ?? 0
      if (admin.disabled.includes(name)) {
        if (b.state === 'disabled') continue
        b.state = 'disabled'
        clearTimeout(b.timer)
        b.timer = undefined
        b.feed.unfollow()
        this.send({ t: 'stop', bot: name })
        appendLog(this.o.dataDir, name, 'info', 'disabled by an admin')
        this.writeStatus()
      } else if (b.state === 'disabled' || (b.state === 'failed' && enabledAt > b.enabledSeen)) {
        b.enabledSeen = enabledAt
        b.failures = []
        b.state = 'starting'
        appendLog(this.o.dataDir, name, 'info', 'enabled by an admin')
        this.load(b)
      }
    }
  }

  private writeStatus(): void {
    if (this.statusTimer || this.closing) return
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined
      this.writeStatusNow(true)
    }, 20)
    this.statusTimer.unref()
  }

  private writeStatusNow(running: boolean): void {
    const bots: Record<string, BotStatus> = {}
    const at = new Date().toISOString()
    for (const b of this.bots.values()) {
      bots[b.spec.name] = {
        name: b.spec.name,
        state: running ? b.state : 'stopped',
        file: b.spec.file,
        rooms: b.spec.rooms,
        restarts: b.restarts,
        failures: b.failures.length,
        overruns: b.overruns,
        ...(b.lastError ? { lastError: b.lastError, lastErrorAt: b.lastErrorAt } : {}),
        commands: b.manifest?.commands.map((c) => c.name) ?? [],
        updatedAt: at,
      }
    }
    try {
      const pid = this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined
      writeStatus(this.o.dataDir, { running, ...(running && pid !== undefined ? { hostPid: pid } : {}), bots })
    } catch (err) {
      this.o.log.warn({ err }, 'cannot write the bots status file')
    }
  }
}
