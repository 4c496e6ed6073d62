// The bot API inside a bot's isolate. Evaluated (as plain text, never imported) in a fresh
// isolated-vm context before the bot's script; everything that crosses to the host is a JSON string.
// The host hands in one Reference (`__chathubHost`) for async calls (store, fetch); this prelude
// hides it in a closure and deletes the global, so bot code can only reach it through the bot API.
/* global __chathubHost, __chathubProgress */
;(function (host, progressBuffer) {
  'use strict'
  const RealDate = Date
  const realNow = RealDate.now.bind(RealDate)
  const stringify = JSON.stringify
  const parse = JSON.parse
  let clockOffset = 0
  // Set during an event from a virtual clock: the bot's time stands still at the event's `now`.
  let frozenAt
  class BotDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(frozenAt ?? realNow() + clockOffset)
      else super(...args)
    }
    static now() {
      return frozenAt ?? realNow() + clockOffset
    }
  }
  globalThis.Date = BotDate

  // Shared with the host: which event of a batch runs now, so the CPU cap applies to each event.
  const progress = new Int32Array(progressBuffer)
  const EVENTS = ['join', 'leave', 'edit', 'delete', 'attachment']
  const reg = { hear: [], respond: [], commands: new Map(), on: new Map(), schedules: [] }
  let loading = false
  let botName = ''

  const toRegExp = (pattern) => {
    if (pattern instanceof RegExp) return pattern
    if (typeof pattern === 'string') return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i')
    throw new TypeError('pattern must be a RegExp or a string')
  }
  const needLoading = (what) => {
    if (!loading) throw new Error(`${what}() must be called while the bot loads (at the top of its default export)`)
  }
  const needFn = (fn) => {
    if (typeof fn !== 'function') throw new TypeError('handler must be a function')
  }
  const text = (value) => {
    const s = typeof value === 'string' ? value : String(value)
    if (s.length === 0) throw new Error('cannot send an empty message')
    return s
  }

  /** One dispatch's pending actions; flushed with every async host call and at the end. */
  const newRun = () => ({ actions: [] })
  const call = (run, op) =>
    host
      .apply(undefined, [stringify(op), stringify(run.actions.splice(0))], {
        arguments: { copy: true },
        result: { promise: true, copy: true },
      })
      .then((out) => {
        const res = parse(out)
        if (res.error) {
          const err = new Error(res.error.message)
          err.code = res.error.code
          throw err
        }
        return res.value
      })

  const storeFor = (run) =>
    Object.freeze({
      get: (key) => call(run, { op: 'store.get', key: String(key) }),
      set: (key, value) => {
        const json = stringify(value)
        if (json === undefined) return Promise.reject(new TypeError('store values must be JSON'))
        return call(run, { op: 'store.set', key: String(key), value: json })
      },
      delete: (key) => call(run, { op: 'store.delete', key: String(key) }),
      keys: () => call(run, { op: 'store.keys' }),
    })
  const fetchFor = (run) => (url, init) => {
    const options = init || {}
    return call(run, {
      op: 'fetch',
      url: String(url),
      method: options.method ? String(options.method) : 'GET',
      headers: options.headers ? parse(stringify(options.headers)) : {},
      body: options.body === undefined ? undefined : String(options.body),
    }).then((res) =>
      Object.freeze({
        ...res,
        ok: res.status >= 200 && res.status < 300,
        text: () => Promise.resolve(res.body),
        json: () => Promise.resolve(parse(res.body)),
      }),
    )
  }
  const logFor = (run) => (...args) => {
    const line = args.map((a) => (typeof a === 'string' ? a : stringify(a))).join(' ')
    run.actions.push({ a: 'log', text: line.slice(0, 2000) })
  }

  const contextFor = (run, message) => {
    const ctx = {
      bot: botName,
      message,
      user: message ? message.from : undefined,
      room: message ? message.room : undefined,
      reply(value) {
        if (!message) throw new Error('reply() needs a message; use send(room, text) in schedules')
        run.actions.push({ a: 'send', room: message.room, text: text(value), replyTo: message.seq || undefined })
      },
      send(room, value) {
        run.actions.push({ a: 'send', room: String(room), text: text(value) })
      },
      react(emoji) {
        if (!message) throw new Error('react() needs a message')
        run.actions.push({ a: 'react', room: message.room, seq: message.seq, emoji: text(emoji) })
      },
      store: storeFor(run),
      fetch: fetchFor(run),
      log: logFor(run),
      now: () => BotDate.now(),
    }
    return ctx
  }

  const api = Object.freeze({
    get name() {
      return botName
    },
    hear(pattern, fn) {
      needLoading('hear')
      needFn(fn)
      reg.hear.push({ re: toRegExp(pattern), fn })
    },
    respond(pattern, fn) {
      needLoading('respond')
      needFn(fn)
      reg.respond.push({ re: toRegExp(pattern), fn })
    },
    command(name, options, fn) {
      needLoading('command')
      const handler = typeof options === 'function' ? options : fn
      const opts = typeof options === 'function' || !options ? {} : options
      needFn(handler)
      const n = String(name).replace(/^\//, '')
      if (!/^[a-z][a-z0-9_-]{0,31}$/.test(n)) throw new Error(`bad command name "${n}"`)
      reg.commands.set(n, { help: String(opts.help || ''), usage: String(opts.usage || ''), sensitive: !!opts.sensitive, fn: handler })
    },
    on(event, fn) {
      needLoading('on')
      needFn(fn)
      if (!EVENTS.includes(event)) throw new Error(`unknown event "${event}" (one of ${EVENTS.join(', ')})`)
      if (!reg.on.has(event)) reg.on.set(event, [])
      reg.on.get(event).push(fn)
    },
    every(interval, fn) {
      needLoading('every')
      needFn(fn)
      reg.schedules.push({ kind: 'every', spec: String(interval), fn })
    },
    at(cron, fn) {
      needLoading('at')
      needFn(fn)
      reg.schedules.push({ kind: 'at', spec: String(cron), fn })
    },
  })

  /** Run handlers one after the other; the first throw fails the dispatch (the host counts it). */
  const runAll = async (calls) => {
    for (const c of calls) await c()
  }

  const dispatchOne = async (event) => {
    clockOffset = event.now - realNow()
    frozenAt = event.frozen ? event.now : undefined
    const run = newRun()
    let result
    const message = event.message ? Object.freeze({ ...event.message }) : undefined
    switch (event.kind) {
      case 'message': {
        const calls = []
        for (const h of reg.hear) {
          h.re.lastIndex = 0
          const match = h.re.exec(message.text)
          if (match) calls.push(() => h.fn({ ...contextFor(run, message), match: [...match] }))
        }
        if (event.addressed !== undefined) {
          for (const h of reg.respond) {
            h.re.lastIndex = 0
            const match = h.re.exec(event.addressed)
            if (match) calls.push(() => h.fn({ ...contextFor(run, message), match: [...match] }))
          }
        }
        await runAll(calls)
        break
      }
      case 'command': {
        const c = reg.commands.get(event.name)
        if (c) result = await c.fn({ ...contextFor(run, message), args: event.args, raw: event.raw })
        break
      }
      case 'event': {
        const calls = (reg.on.get(event.name) || []).map((fn) => () => fn({ ...contextFor(run, message), event: event.data }))
        await runAll(calls)
        break
      }
      case 'tick': {
        const s = reg.schedules[event.id]
        if (s) await s.fn(contextFor(run, undefined))
        break
      }
    }
    return { actions: run.actions, result: typeof result === 'string' ? result : undefined }
  }

  /**
   * Handle a batch of events in order; the host watches `progress` to time each one. Each event's
   * result but the last is handed to the host before the next event starts, so that when an event
   * breaks a limit (and the isolate is gone) the events before it have had their effect. A result
   * with nothing in it (no action, no answer: most events of a hear-bot) is not sent: the host
   * counts an unreported event before the last one as empty, which saves a round trip between the
   * isolate's thread and the host's per event.
   */
  const dispatch = async (eventsJson) => {
    const events = parse(eventsJson)
    const out = []
    for (let i = 0; i < events.length; i++) {
      Atomics.store(progress, 0, Atomics.load(progress, 0) + 1)
      const r = await dispatchOne(events[i])
      if (i === events.length - 1) out.push(r)
      else if (r.actions.length > 0 || r.result !== undefined)
        await host.apply(undefined, [stringify({ op: 'event.done', index: i, result: r.result }), stringify(r.actions)], {
          arguments: { copy: true },
          result: { promise: true, copy: true },
        })
    }
    return stringify(out)
  }

  const load = (name, factory) => {
    botName = name
    loading = true
    try {
      const out = factory(api)
      if (out && typeof out.then === 'function') throw new Error('the default export must set the bot up synchronously')
    } finally {
      loading = false
    }
    return stringify({
      commands: [...reg.commands].map(([n, c]) => ({ name: n, help: c.help, usage: c.usage, sensitive: c.sensitive })),
      schedules: reg.schedules.map((s) => ({ kind: s.kind, spec: s.spec })),
      events: [...reg.on.keys()],
      responds: reg.respond.length > 0,
    })
  }

  Object.defineProperty(globalThis, '__chathub', { value: Object.freeze({ dispatch, load }) })
})(__chathubHost, __chathubProgress)
delete globalThis.__chathubHost
delete globalThis.__chathubProgress
