// A small IRC client (RFC 1459/2812 with IRCv3 CAP + SASL PLAIN): registration with 433 handling,
// PING/PONG, one channel, a token-bucket send queue for the server's flood limits, parsed events,
// and confirm(): a PING after the lines sent, whose PONG proves the server read them (a server that
// stops reading the connection — ngircd after a NUL — is found within answerTimeoutMs).
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'

export interface IrcClientOptions {
  host: string
  port: number
  tls: boolean
  /** Accept self-signed certificates (tests, private networks). */
  tlsInsecure: boolean
  /** PEM file of the CA (or self-signed certificate) to trust, in addition to the system's. */
  tlsCaFile?: string
  nick: string
  username: string
  realname: string
  /** Server password (PASS). */
  password?: string
  sasl?: { user: string; password: string }
  /** Sent as `PRIVMSG NickServ :IDENTIFY <password>` after registration. */
  nickservPassword?: string
  channel: string
  channelKey?: string
  /** Lines sent at once before the rate applies. */
  floodBurst: number
  /** Lines per second after the burst. */
  floodRate: number
  /** Give up registering after this many ms. */
  timeoutMs: number
  /** Time the server has to answer the PING of confirm(); past it the connection is closed. */
  answerTimeoutMs: number
}

/** One parsed line (RFC 2812 §2.3.1, plus IRCv3 tags). */
export interface IrcLine {
  tags: Record<string, string>
  prefix: string
  nick: string
  command: string
  params: string[]
}

export const parseLine = (raw: string): IrcLine => {
  let rest = raw
  const tags: Record<string, string> = {}
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ')
    for (const t of rest.slice(1, sp).split(';')) {
      const eq = t.indexOf('=')
      if (eq < 0) tags[t] = ''
      else tags[t.slice(0, eq)] = t.slice(eq + 1)
    }
    rest = rest.slice(sp + 1).trimStart()
  }
  let prefix = ''
  if (rest.startsWith(':')) {
    const sp = rest.indexOf(' ')
    prefix = rest.slice(1, sp < 0 ? undefined : sp)
    rest = sp < 0 ? '' : rest.slice(sp + 1).trimStart()
  }
  const params: string[] = []
  while (rest !== '') {
    if (rest.startsWith(':')) {
      params.push(rest.slice(1))
      break
    }
    const sp = rest.indexOf(' ')
    if (sp < 0) {
      params.push(rest)
      break
    }
    params.push(rest.slice(0, sp))
    rest = rest.slice(sp + 1).trimStart()
  }
  const command = (params.shift() ?? '').toUpperCase()
  const bang = prefix.indexOf('!')
  return { tags, prefix, nick: bang < 0 ? prefix : prefix.slice(0, bang), command, params }
}

/** Case mapping of RFC 1459 (`[]\~` are upper case of `{}|^`), which IRC servers use for nicks. */
export const ircLower = (s: string): string =>
  s.toLowerCase().replace(/[[\]\\~]/g, (c) => ({ '[': '{', ']': '}', '\\': '|', '~': '^' })[c] ?? c)

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
}

export interface IrcClientEvents {
  privmsg: [
    {
      nick: string
      target: string
      text: string
      action: boolean
      notice: boolean
      tags: Record<string, string>
    },
  ]
  join: [{ nick: string; channel: string }]
  part: [{ nick: string; channel: string; reason: string }]
  quit: [{ nick: string; reason: string }]
  kick: [{ nick: string; channel: string; by: string; reason: string }]
  nick: [{ from: string; to: string; self: boolean }]
  close: [{ error: string }]
}

export class IrcClient extends EventEmitter<IrcClientEvents> {
  private socket: net.Socket | undefined
  private buffer = ''
  private readonly outbox: { line: string; done: (err?: Error) => void }[] = []
  private tokens: number
  private refill: NodeJS.Timeout | undefined
  private keepalive: NodeJS.Timeout | undefined
  private lastSeen = Date.now()
  private closed = false
  /** Capabilities offered so far (CAP LS 302 may span several lines). */
  private offeredCaps: string[] = []
  /** The PING of confirm() in flight, and who waits for its PONG. */
  private probe: { token: string; waiters: Waiter[]; timer: NodeJS.Timeout } | undefined
  /** Waiting for a PING not sent yet (lines written after the one in flight). */
  private nextWaiters: Waiter[] = []
  private probes = 0
  /** The server refused a line to the channel since the last PONG (404: +m, +n, a ban). */
  private refused: string | undefined
  /** The nick the server knows us by (after 433 retries and nick changes). */
  nick: string
  /** Joined the channel and ready to relay. */
  ready = false
  /** Server limits from RPL_ISUPPORT (005). */
  readonly isupport = new Map<string, string>()

  constructor(private readonly options: IrcClientOptions) {
    super()
    this.nick = options.nick
    this.tokens = options.floodBurst
  }

  /** Connect, register (CAP/SASL, PASS, NICK, USER), identify and join; resolves once in the channel. */
  connect(): Promise<void> {
    const o = this.options
    return new Promise((resolve, reject) => {
      let settled = false
      const fail = (error: string) => {
        if (settled) return
        settled = true
        this.destroy(error)
        reject(new Error(error))
      }
      const timer = setTimeout(
        () => fail(`no registration with ${o.host}:${o.port} in ${o.timeoutMs} ms`),
        o.timeoutMs,
      )
      let ca: string[] | undefined
      if (o.tls && o.tlsCaFile) {
        try {
          // The trusted CA plus the system's, so a private CA does not untrust public certificates.
          ca = [...tls.rootCertificates, readFileSync(o.tlsCaFile, 'utf8')]
        } catch (err) {
          clearTimeout(timer)
          return fail(`cannot read tlsCaFile: ${err instanceof Error ? err.message : String(err)}`)
        }
      }
      const socket = o.tls
        ? tls.connect({
            host: o.host,
            port: o.port,
            servername: net.isIP(o.host) ? undefined : o.host,
            rejectUnauthorized: !o.tlsInsecure,
            ...(ca ? { ca } : {}),
          })
        : net.connect({ host: o.host, port: o.port })
      this.socket = socket
      socket.setEncoding('utf8')
      socket.setNoDelay(true)
      socket.once(o.tls ? 'secureConnect' : 'connect', () => {
        if (o.sasl) this.raw('CAP LS 302')
        if (o.password) this.raw(`PASS ${o.password}`)
        this.raw(`NICK ${this.nick}`)
        this.raw(`USER ${o.username} 0 * :${o.realname}`)
      })
      socket.on('data', (chunk: string) => {
        this.lastSeen = Date.now()
        this.buffer += chunk
        let i: number
        while ((i = this.buffer.search(/\r?\n/)) >= 0) {
          const raw = this.buffer.slice(0, i)
          this.buffer = this.buffer.slice(this.buffer[i] === '\r' ? i + 2 : i + 1)
          if (raw !== '')
            this.handle(parseLine(raw), fail, () => {
              if (settled) return
              settled = true
              clearTimeout(timer)
              resolve()
            })
        }
        if (this.buffer.length > 16384) fail('line too long from server')
      })
      socket.on('error', (err) => fail(err.message))
      socket.on('close', () => {
        clearTimeout(timer)
        if (!settled) fail('connection closed during registration')
        else this.destroy('connection closed by the server')
      })
      this.keepalive = setInterval(() => {
        if (Date.now() - this.lastSeen > 180_000) this.destroy('server silent for 180 s')
        else if (Date.now() - this.lastSeen > 90_000) this.raw(`PING :${Date.now()}`)
      }, 30_000)
      this.keepalive.unref()
    })
  }

  private handle(m: IrcLine, fail: (e: string) => void, joined: () => void): void {
    const o = this.options
    const [p0 = '', p1 = '', p2 = '', p3 = ''] = m.params
    switch (m.command) {
      case 'PING':
        return this.raw(`PONG :${p0}`)
      case 'PONG':
        return this.answered(m.params.at(-1) ?? '')
      case 'CAP':
        if (p1 === 'LS' && o.sasl) {
          // `CAP * LS * :a b` continues on the next line; the last line has no `*` (IRCv3 CAP 302).
          this.offeredCaps.push(...(p2 === '*' ? p3 : p2).split(' '))
          if (p2 === '*') return
          const caps = this.offeredCaps.splice(0)
          if (caps.some((c) => c === 'sasl' || c.startsWith('sasl='))) this.raw('CAP REQ :sasl')
          else fail('the server does not offer SASL (CAP sasl), but sasl is configured')
        } else if (p1 === 'ACK' && p2.split(' ').includes('sasl')) this.raw('AUTHENTICATE PLAIN')
        else if (p1 === 'NAK') fail('the server refused CAP sasl')
        return
      case 'AUTHENTICATE':
        if (p0 === '+' && o.sasl) {
          // RFC 4616: authzid NUL authcid NUL password, base64, in chunks of 400 bytes; a last
          // chunk of exactly 400 is followed by `AUTHENTICATE +` (IRCv3 SASL 3.1).
          const b64 = Buffer.from(`${o.sasl.user}\0${o.sasl.user}\0${o.sasl.password}`).toString(
            'base64',
          )
          for (let i = 0; i < b64.length; i += 400)
            this.raw(`AUTHENTICATE ${b64.slice(i, i + 400)}`)
          if (b64.length % 400 === 0) this.raw('AUTHENTICATE +')
        }
        return
      case '903':
        return this.raw('CAP END')
      case '902':
      case '904':
      case '905':
      case '906':
        return fail(`SASL login failed (${m.command}: ${m.params.at(-1) ?? ''})`)
      case '001':
        this.nick = p0 || this.nick
        if (o.nickservPassword) this.raw(`PRIVMSG NickServ :IDENTIFY ${o.nickservPassword}`)
        this.raw(o.channelKey ? `JOIN ${o.channel} ${o.channelKey}` : `JOIN ${o.channel}`)
        this.startRefill()
        return
      case '005':
        for (const token of m.params.slice(1, -1)) {
          const eq = token.indexOf('=')
          this.isupport.set(eq < 0 ? token : token.slice(0, eq), eq < 0 ? '' : token.slice(eq + 1))
        }
        return
      case '432':
      case '433':
      case '436':
      case '437':
        // Nickname in use (or refused) while registering: try another (RFC 2812 §5.2).
        if (!this.ready) {
          this.nick = nextNick(this.nick, o.nick, Number(this.isupport.get('NICKLEN') ?? 30))
          this.raw(`NICK ${this.nick}`)
        }
        return
      case '404':
        // ERR_CANNOTSENDTOCHAN (RFC 2812 §5.2): a line of ours did not reach the channel.
        if (ircLower(p1) === ircLower(o.channel)) {
          this.refused = `the server refused to relay to ${p1}: ${m.params.at(-1) ?? '404'}`
        }
        return
      case '471':
      case '473':
      case '474':
      case '475':
        return fail(`cannot join ${o.channel}: ${m.params.at(-1) ?? m.command}`)
      case '366':
        if (ircLower(p1) === ircLower(o.channel)) {
          this.ready = true
          joined()
        }
        return
      case 'ERROR':
        return fail(`server error: ${p0}`)
      case 'JOIN':
        if (this.isSelf(m.nick)) return
        return void this.emit('join', { nick: m.nick, channel: p0 })
      case 'PART':
        if (this.isSelf(m.nick) && ircLower(p0) === ircLower(o.channel))
          return this.destroy(`parted ${p0}`)
        return void this.emit('part', { nick: m.nick, channel: p0, reason: p1 })
      case 'KICK':
        if (this.isSelf(p1)) return this.destroy(`kicked from ${p0} by ${m.nick}: ${p2}`)
        return void this.emit('kick', { nick: p1, channel: p0, by: m.nick, reason: p2 })
      case 'QUIT':
        return void this.emit('quit', { nick: m.nick, reason: p0 })
      case 'NICK': {
        const self = this.isSelf(m.nick)
        if (self) this.nick = p0
        return void this.emit('nick', { from: m.nick, to: p0, self })
      }
      case 'PRIVMSG':
      case 'NOTICE': {
        if (!m.nick || (m.nick.includes('.') && !m.prefix.includes('!'))) return // server notices
        let text = p1
        let action = false
        if (text.startsWith('\x01')) {
          // CTCP: only ACTION is relayed; others (VERSION, PING) are ignored.
          const inner = text.replace(/^\x01|\x01$/g, '')
          if (!inner.startsWith('ACTION ')) return
          text = inner.slice(7)
          action = true
        }
        return void this.emit('privmsg', {
          nick: m.nick,
          target: p0,
          text,
          action,
          notice: m.command === 'NOTICE',
          tags: m.tags,
        })
      }
    }
  }

  private isSelf(nick: string): boolean {
    return ircLower(nick) === ircLower(this.nick)
  }

  /** Send a PRIVMSG (or ACTION) to the channel through the rate-limited queue; resolves once written. */
  say(text: string, action = false): Promise<void> {
    const body = action ? `\x01ACTION ${text}\x01` : text
    return this.queue(`PRIVMSG ${this.options.channel} :${body}`)
  }

  /**
   * Resolves once the server has read everything written before this call: a PING goes after those
   * lines (servers handle a connection's lines in order) and its PONG settles every waiter. One PING
   * is in flight at a time; waiters that come later share the next one. No answer within
   * answerTimeoutMs closes the connection ('close' event) and rejects: the caller sends again.
   * Rejects too when the server refused one of those lines for the channel (404).
   */
  confirm(): Promise<void> {
    if (this.closed || !this.socket) return Promise.reject(new Error('not connected to IRC'))
    return new Promise((resolve, reject) => {
      this.nextWaiters.push({ resolve, reject })
      if (!this.probe) this.sendProbe()
    })
  }

  private sendProbe(): void {
    const waiters = this.nextWaiters.splice(0)
    if (waiters.length === 0) return
    const token = `chathub-${++this.probes}`
    const ms = this.options.answerTimeoutMs
    const timer = setTimeout(
      () =>
        this.destroy(
          `the IRC server stopped answering (no PONG within ${ms} ms); lines sent since may be lost there`,
        ),
      ms,
    )
    this.probe = { token, waiters, timer }
    this.raw(`PING :${token}`)
  }

  private answered(token: string): void {
    const probe = this.probe
    if (!probe || token !== probe.token) return // a keepalive PONG, or a late one
    clearTimeout(probe.timer)
    this.probe = undefined
    // Replies come in order: a 404 before this PONG was for a line written before its PING.
    const refused = this.refused
    this.refused = undefined
    for (const w of probe.waiters) {
      if (refused) w.reject(new Error(refused))
      else w.resolve()
    }
    this.sendProbe()
  }

  /** Bytes the server adds when it relays our PRIVMSG (`:nick!user@host PRIVMSG #chan :` + CRLF). */
  envelopeBytes(): number {
    return Buffer.byteLength(
      `:${this.nick}!~${this.options.username}@${'h'.repeat(63)} PRIVMSG ${this.options.channel} :\r\n`,
    )
  }

  queue(line: string): Promise<void> {
    if (this.closed || !this.socket) return Promise.reject(new Error('not connected to IRC'))
    return new Promise((resolve, reject) => {
      this.outbox.push({ line, done: (err) => (err ? reject(err) : resolve()) })
      this.flush()
    })
  }

  private startRefill(): void {
    const interval = Math.max(1, Math.round(1000 / this.options.floodRate))
    this.refill = setInterval(() => {
      if (this.tokens < this.options.floodBurst) this.tokens++
      this.flush()
    }, interval)
    this.refill.unref()
  }

  private flush(): void {
    while (this.tokens >= 1 && this.outbox.length > 0 && this.socket && !this.closed) {
      const next = this.outbox.shift()
      if (!next) break
      this.tokens--
      this.socket.write(`${next.line}\r\n`, (err) => next.done(err ?? undefined))
    }
  }

  private raw(line: string): void {
    if (this.socket && !this.closed) this.socket.write(`${line}\r\n`)
  }

  /** Say goodbye and close. */
  async quit(message = 'bridge stopping'): Promise<void> {
    if (this.closed || !this.socket) return
    const socket = this.socket
    this.raw(`QUIT :${message}`)
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 500)
      socket.once('close', () => {
        clearTimeout(t)
        resolve()
      })
      socket.end()
    })
    this.destroy('quit', false)
  }

  private destroy(error: string, emit = true): void {
    if (this.closed) return
    this.closed = true
    this.ready = false
    clearInterval(this.refill)
    clearInterval(this.keepalive)
    this.socket?.destroy()
    for (const pending of this.outbox.splice(0)) pending.done(new Error(error))
    if (this.probe) clearTimeout(this.probe.timer)
    const waiters = [...(this.probe?.waiters ?? []), ...this.nextWaiters.splice(0)]
    this.probe = undefined
    for (const w of waiters) w.reject(new Error(error))
    if (emit) this.emit('close', { error })
  }
}

/** `nick` -> `nick_` -> `nick1`, `nick2`... within the server's nick length (433 handling). */
export const nextNick = (current: string, base: string, maxLength: number): string => {
  const limit = Math.max(1, maxLength)
  if (current === base) return `${base.slice(0, limit - 1)}_`
  const m = /(\d+)$/.exec(current)
  const n = m ? Number(m[1]) + 1 : 1
  const suffix = String(n)
  return `${base.slice(0, limit - suffix.length)}${suffix}`
}
