// Schedules for bots: `every('10s')` intervals, `at('0 9 * * 1-5')` 5-field cron (minute hour
// day-of-month month day-of-week, as in POSIX crontab(5), evaluated in UTC), and the clock they run
// on — real timers in the bot host, a virtual clock in the test harness.

/** Milliseconds of an interval like `500ms`, `10s`, `5m`, `1h`, `1d` or `1h30m`. */
export const parseInterval = (spec: string): number => {
  const s = spec.trim()
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
  let total = 0
  let rest = s
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest)
    if (!m) throw new Error(`bad interval "${spec}" (use e.g. 10s, 5m, 1h, 1h30m)`)
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0)
    rest = rest.slice(m[0].length)
  }
  if (s.length === 0 || total < 1) throw new Error(`bad interval "${spec}" (use e.g. 10s, 5m, 1h, 1h30m)`)
  return Math.round(total)
}

interface CronField {
  values: Set<number>
  any: boolean
}

const FIELDS: [min: number, max: number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
]

const parseField = (text: string, [min, max]: [number, number], spec: string): CronField => {
  const values = new Set<number>()
  const bad = () => new Error(`bad cron "${spec}": field "${text}" (allowed ${min}-${max}, *, a-b, */n, lists)`)
  for (const part of text.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part)
    if (!m) throw bad()
    const [, range = '', stepText] = m
    const step = stepText === undefined ? 1 : Number(stepText)
    let lo = min
    let hi = max
    if (range !== '*') {
      const [a = '', b] = range.split('-')
      lo = Number(a)
      hi = b === undefined ? (stepText === undefined ? lo : max) : Number(b)
    }
    if (step < 1 || lo < min || hi > max || lo > hi) throw bad()
    for (let v = lo; v <= hi; v += step) values.add(v)
  }
  return { values, any: text === '*' }
}

/** A parsed 5-field cron expression. */
export class Cron {
  private readonly fields: CronField[]

  constructor(readonly spec: string) {
    const parts = spec.trim().split(/\s+/)
    if (parts.length !== 5) throw new Error(`bad cron "${spec}": need 5 fields (minute hour day month weekday)`)
    this.fields = parts.map((p, i) => parseField(p, FIELDS[i] ?? [0, 0], spec))
    const dow = this.fields[4]
    if (dow?.values.has(7)) dow.values.add(0)
  }

  /** Whether the minute containing `ms` matches (UTC). */
  matches(ms: number): boolean {
    const d = new Date(ms)
    const [minute, hour, dom, month, dow] = this.fields as [CronField, CronField, CronField, CronField, CronField]
    if (!minute.values.has(d.getUTCMinutes()) || !hour.values.has(d.getUTCHours())) return false
    if (!month.values.has(d.getUTCMonth() + 1)) return false
    const domOk = dom.values.has(d.getUTCDate())
    const dowOk = dow.values.has(d.getUTCDay())
    // crontab(5): when both day fields are restricted, either may match.
    if (!dom.any && !dow.any) return domOk || dowOk
    return domOk && dowOk
  }

  /** The first matching minute strictly after `ms` (searches up to about 5 years). */
  next(ms: number): number {
    let t = Math.floor(ms / 60_000) * 60_000 + 60_000
    const limit = t + 5 * 366 * 86_400_000
    while (t < limit) {
      if (this.matches(t)) return t
      const d = new Date(t)
      const [, hour, , month] = this.fields as [CronField, CronField, CronField, CronField, CronField]
      if (!month.values.has(d.getUTCMonth() + 1) || !this.dayMatches(d)) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
      } else if (!hour.values.has(d.getUTCHours())) {
        t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1)
      } else {
        t += 60_000
      }
    }
    throw new Error(`cron "${this.spec}" never matches`)
  }

  private dayMatches(d: Date): boolean {
    const [, , dom, , dow] = this.fields as [CronField, CronField, CronField, CronField, CronField]
    const domOk = dom.values.has(d.getUTCDate())
    const dowOk = dow.values.has(d.getUTCDay())
    if (!dom.any && !dow.any) return domOk || dowOk
    return domOk && dowOk
  }
}

/** Time for schedules: the bot host uses real timers, the harness a virtual clock. */
export interface Clock {
  now(): number
  /** True when time moves only when told (the harness): bots then see exactly `now()`. */
  readonly frozen?: boolean
  /** Call `fn` once after `ms`; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    // setTimeout holds at most 2^31-1 ms; longer waits re-arm.
    const max = 2 ** 31 - 1
    let timer: NodeJS.Timeout
    const arm = (left: number) => {
      timer = setTimeout(() => (left > max ? arm(left - max) : fn()), Math.min(left, max))
      timer.unref()
    }
    arm(Math.max(0, ms))
    return () => clearTimeout(timer)
  },
}

/** A clock that moves only when told: `advance('1h')` fires every timer due in that hour, in order. */
export class VirtualClock implements Clock {
  readonly frozen = true
  private current: number
  private readonly timers: { at: number; seq: number; fn: () => void }[] = []
  private seq = 0

  constructor(start = Date.UTC(2030, 0, 1)) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn }
    this.timers.push(timer)
    return () => {
      const i = this.timers.indexOf(timer)
      if (i >= 0) this.timers.splice(i, 1)
    }
  }

  /**
   * Move the clock forward, firing due timers in time order; `settle` runs after each one (the
   * harness waits there for the bot's handlers, so a timer's effects land before the next fires).
   */
  async advance(by: number | string, settle: () => Promise<void> = async () => {}): Promise<void> {
    const target = this.current + (typeof by === 'number' ? by : parseInterval(by))
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.timers[0]
      if (!next || next.at > target) break
      this.timers.shift()
      this.current = Math.max(this.current, next.at)
      next.fn()
      await settle()
    }
    this.current = target
  }
}
