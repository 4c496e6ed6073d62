// One bot's isolate (isolated-vm): load the prelude and the bot's script under a memory cap, then run
// each event's handlers under a CPU-time cap and a wall-clock cap. Only JSON strings cross; a bot
// that loops, bloats or throws becomes a BotFault (naming the event of the batch it was handling)
// and its isolate is disposed.
import { readFileSync } from 'node:fs'
import ivm from 'isolated-vm'
import type { BotAction, BotEvent, BotManifest, HostOp } from './protocol.ts'

const PRELUDE = readFileSync(new URL('./sandbox-prelude.js', import.meta.url), 'utf8')

export interface SandboxLimits {
  memoryMb: number
  /** CPU time one event's handlers may use, in ms (sync and after every await together). */
  cpuMs: number
  /** Wall time one event's handlers may take, awaits included, in ms. */
  wallMs: number
}

export type FaultKind = 'load' | 'error' | 'cpu' | 'memory' | 'wall'

/** What only the prelude sends over the host reference: an event of a batch is done. */
interface PreludeOp {
  op: 'event.done'
  index: number
  result?: string
}

/** Why a bot was stopped; `kind` decides what the admin reads in `bot list`. */
export class BotFault extends Error {
  override readonly name = 'BotFault'
  /** In a dispatch: the index of the event of the batch that was running (earlier ones are done). */
  index: number | undefined
  constructor(
    readonly kind: FaultKind,
    message: string,
  ) {
    super(message)
  }
}

/** A CPU-time or wall-time overrun: one event went over its budget (not a crash of the bot). */
export const isOverrun = (fault: BotFault): boolean => fault.kind === 'cpu' || fault.kind === 'wall'

/** A host call from the bot (store, fetch): returns the value, or throws a ChatError-like error. */
export type HostCall = (op: HostOp) => Promise<unknown>

export interface DispatchResult {
  actions: BotAction[]
  /** A command handler's return value: shown to the caller only. */
  result?: string
}

/** Receives each event's result of a batch as the event completes, in order. */
export type OnResult = (index: number, result: DispatchResult) => void

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export class BotSandbox {
  private fault: BotFault | undefined

  private constructor(
    private readonly isolate: ivm.Isolate,
    private readonly progress: Int32Array,
    private readonly dispatchRef: ivm.Reference,
    private readonly limits: SandboxLimits,
    readonly manifest: BotManifest,
    /** Where the prelude's early results (`event.done`) go during the current dispatch. */
    private readonly results: { current: OnResult | undefined },
  ) {}

  /**
   * A fresh isolate running `code` (from compileBot). `onActions` receives actions a handler queued
   * before each of its host calls (so a reply sent before an await goes out before the await).
   */
  static async create(options: {
    name: string
    code: string
    limits: SandboxLimits
    hostCall: HostCall
    onActions: (actions: BotAction[]) => void
  }): Promise<BotSandbox> {
    const { name, code, limits } = options
    const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb })
    const results: { current: OnResult | undefined } = { current: undefined }
    try {
      const context = await isolate.createContext()
      const bridge = new ivm.Reference(async (opJson: string, actionsJson: string): Promise<string> => {
        try {
          const actions = JSON.parse(actionsJson) as BotAction[]
          const op = JSON.parse(opJson) as HostOp | PreludeOp
          if (op.op === 'event.done') {
            // Only the prelude sends this (the bot's code never sees the host reference).
            results.current?.(op.index, { actions, ...(op.result === undefined ? {} : { result: op.result }) })
            return JSON.stringify({ value: null })
          }
          if (actions.length > 0) options.onActions(actions)
          const value = await options.hostCall(op)
          return JSON.stringify({ value: value ?? null })
        } catch (err) {
          const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'BOTS_ERROR'
          return JSON.stringify({ error: { code, message: errorText(err) } })
        }
      })
      await context.global.set('__chathubHost', bridge)
      const shared = new SharedArrayBuffer(4)
      await context.global.set('__chathubProgress', new ivm.ExternalCopy(shared).copyInto({ release: true }))
      await context.eval(PRELUDE, { filename: 'chathub:prelude', timeout: 1000 })
      const script = await isolate.compileScript(
        `__chathub.load(${JSON.stringify(name)}, ${code})`,
        { filename: `bot:${name}` },
      )
      const manifestJson = (await script.run(context, { timeout: Math.max(1000, limits.cpuMs), copy: true })) as string
      const dispatchRef = (await context.eval('__chathub.dispatch', { reference: true })) as ivm.Reference
      return new BotSandbox(isolate, new Int32Array(shared), dispatchRef, limits, JSON.parse(manifestJson) as BotManifest, results)
    } catch (err) {
      const memory = isolate.isDisposed || /memory limit/i.test(errorText(err))
      if (!isolate.isDisposed) isolate.dispose()
      throw new BotFault(memory ? 'memory' : 'load', errorText(err))
    }
  }

  get disposed(): boolean {
    return this.isolate.isDisposed
  }

  /**
   * Run the handlers of a batch of events, in order; `onResult` gets each event's result as it
   * completes. The CPU and wall caps apply to each event: the prelude bumps a shared counter as it
   * starts the next one. Throws a BotFault when a handler throws or breaks a limit; its `index` is
   * the event that was running (the ones before it have reported their results).
   */
  async dispatch(events: BotEvent[], onResult: OnResult): Promise<void> {
    if (this.isolate.isDisposed) throw this.fault ?? new BotFault('error', 'the bot is stopped')
    const cpuBudget = BigInt(this.limits.cpuMs) * 1_000_000n
    const first = Atomics.load(this.progress, 0)
    let seen = first
    let cpuStart = this.isolate.cpuTime
    let started = Date.now()
    const watchdog = setInterval(() => {
      if (this.isolate.isDisposed) return
      const now = Atomics.load(this.progress, 0)
      if (now !== seen) {
        // The next event started: its budget starts now.
        seen = now
        cpuStart = this.isolate.cpuTime
        started = Date.now()
      } else if (this.isolate.cpuTime - cpuStart > cpuBudget) {
        this.stop(new BotFault('cpu', `a handler used more than ${this.limits.cpuMs} ms of CPU time`))
      } else if (Date.now() - started > this.limits.wallMs) {
        this.stop(new BotFault('wall', `a handler took longer than ${this.limits.wallMs} ms`))
      }
    }, Math.max(5, Math.min(50, Math.floor(this.limits.cpuMs / 4))))
    // The prelude reports an event's result only when it has something in it; the events it did not
    // report, up to `upTo`, had none: they complete here, in order, with empty results.
    let reported = -1
    const completeUpTo = (upTo: number) => {
      for (let i = reported + 1; i < upTo; i++) onResult(i, { actions: [] })
      reported = Math.max(reported, upTo - 1)
    }
    this.results.current = (index, result) => {
      completeUpTo(index)
      onResult(index, result)
      reported = index
    }
    try {
      const out = (await this.dispatchRef.apply(undefined, [JSON.stringify(events)], {
        arguments: { copy: true },
        result: { promise: true, copy: true },
        // The synchronous part of the first event; each event's own cap is the watchdog's job.
        timeout: this.limits.cpuMs * events.length,
      })) as string
      // The last event's result (the others came through `event.done`, or had nothing in them).
      const [last] = JSON.parse(out) as DispatchResult[]
      completeUpTo(events.length - 1)
      if (last) onResult(events.length - 1, last)
    } catch (err) {
      const fault = this.classify(err)
      const running = Atomics.load(this.progress, 0) - first - 1
      fault.index = Math.min(Math.max(running, 0), events.length - 1)
      // The events before the one that failed all ran; those not reported had empty results.
      completeUpTo(fault.index)
      throw fault
    } finally {
      this.results.current = undefined
      clearInterval(watchdog)
    }
  }

  /** Dispose the isolate (idempotent). */
  dispose(): void {
    if (!this.isolate.isDisposed) this.isolate.dispose()
  }

  /** Heap in use, for the status page. */
  heapBytes(): number {
    if (this.isolate.isDisposed) return 0
    const s = this.isolate.getHeapStatisticsSync()
    return s.used_heap_size + s.externally_allocated_size
  }

  private stop(fault: BotFault): void {
    this.fault ??= fault
    this.dispose()
  }

  private classify(err: unknown): BotFault {
    if (this.fault) return this.fault
    const message = errorText(err)
    let fault: BotFault
    if (/memory limit/i.test(message)) fault = new BotFault('memory', `the bot went over its memory limit (${this.limits.memoryMb} MB)`)
    else if (/timed out/i.test(message)) fault = new BotFault('cpu', `a handler used more than ${this.limits.cpuMs} ms of CPU time`)
    else if (this.isolate.isDisposed) fault = new BotFault('memory', `the bot was stopped: ${message}`)
    else {
      // A throw inside the bot: keep its message (and the first stack line that names the bot).
      const where = err instanceof Error ? (err.stack ?? '').split('\n').find((l) => l.includes('bot:')) : undefined
      return new BotFault('error', where ? `${message} (${where.trim()})` : message)
    }
    this.stop(fault)
    return fault
  }
}
