// The IRC network as a bridge: one relay client per link, joined to the link's channel. Remote
// senders go to the hub as `nick@irc`; hub messages go out as `<from> text` lines (RFC 2812 PRIVMSG),
// each item confirmed by the server (PING/PONG) before it leaves the queue. The runner has already
// made the text line-safe (no CR, LF or NUL: `multiline: false`).
import type {
  BridgeCapabilities,
  BridgeConnection,
  BridgeContext,
  BridgeDefinition,
  OutboundItem,
} from '#core/plugin-api'
import { defineBridge } from '#core/plugin-api'
import type { IrcConfig, IrcServer } from './config.ts'
import { ircErrors } from './errors.ts'
import { ircToMarkdown, markdownToIrc } from './formatting.ts'
import { IrcClient, ircLower } from './irc-client.ts'

/**
 * IRC cannot edit, delete, react or thread; a line is at most 512 bytes with the server's prefix,
 * which leaves about 350 bytes of text; lines cannot hold CR, LF or NUL (line-based: `multiline`
 * false); nothing is encrypted end to end.
 */
export const ircCapabilities: BridgeCapabilities = {
  edits: false,
  deletes: false,
  reactions: false,
  threads: false,
  maxLength: 350,
  multiline: false,
  attachments: false,
  encryption: false,
}

const CHANNEL = /^[#&][^\s,\x07:]{1,49}$/

export const parseAddress = (
  config: IrcConfig,
  address: string,
): { name: string; server: IrcServer; channel: string } => {
  const slash = address.indexOf('/')
  const name = slash < 0 ? '' : address.slice(0, slash)
  const channel = slash < 0 ? '' : address.slice(slash + 1)
  if (!name || !CHANNEL.test(channel)) throw ircErrors.channelInvalid(address)
  const server = config.servers[name]
  if (!server) throw ircErrors.serverUnknown(name)
  return { name, server, channel }
}

/** The IRC bridge for a config; `relayNicks` holds every relay client's nick, so relays never relay each other. */
export const ircBridge = (config: IrcConfig, relayNicks = new Set<string>()): BridgeDefinition =>
  defineBridge({
    network: 'irc',
    capabilities: ircCapabilities,
    checkAddress: (address) => void parseAddress(config, address),
    overhead: (from) => Buffer.byteLength(`<${from}> `) + 4,
    formatting: { toRemote: markdownToIrc, fromRemote: ircToMarkdown },
    open: (ctx) => new IrcLink(ctx, parseAddress(config, ctx.link.address), relayNicks),
  })

class IrcLink implements BridgeConnection {
  private client: IrcClient | undefined
  private counter = 0
  private readonly epoch = Date.now().toString(36)

  constructor(
    private readonly ctx: BridgeContext,
    private readonly where: { server: IrcServer; channel: string },
    private readonly relayNicks: Set<string>,
  ) {}

  /** IRC has no message ids: one made up per line, unique per link (epoch of this process + counter). */
  private nextId(): string {
    return `${this.epoch}.${(++this.counter).toString(36)}`
  }

  async connect(): Promise<void> {
    await this.disconnect()
    const { server, channel } = this.where
    const client = new IrcClient({ ...server, channel, timeoutMs: server.connectTimeoutMs })
    const ctx = this.ctx
    const here = (target: string) => ircLower(target) === ircLower(channel)
    const say = (sender: string, text: string, action = false) =>
      ctx.inbound({ type: 'message', remoteId: this.nextId(), sender, text, action })
    client.on('privmsg', (e) => {
      // Only the channel; NOTICEs are for bots and are never relayed (RFC 2812 §3.3.2, avoids loops).
      if (!here(e.target) || e.notice || this.relayNicks.has(ircLower(e.nick))) return
      const remoteId = e.tags.msgid ?? this.nextId()
      const edit = e.action ? undefined : correction(e.text)
      if (edit) {
        // The runner edits the sender's last message if it holds `find`, else relays the line.
        void ctx.inbound({ type: 'correction', remoteId, sender: e.nick, text: e.text, ...edit })
        return
      }
      void ctx.inbound({
        type: 'message',
        remoteId,
        sender: e.nick,
        text: e.text,
        action: e.action,
      })
    })
    client.on('nick', (e) => {
      if (e.self) {
        this.relayNicks.delete(ircLower(e.from))
        this.relayNicks.add(ircLower(e.to))
        return
      }
      if (!this.relayNicks.has(ircLower(e.to)))
        say(e.to, `is now known as ${e.to} (was ${e.from})`, true)
    })
    if (server.showJoins) {
      const skip = (nick: string) => this.relayNicks.has(ircLower(nick))
      client.on(
        'join',
        (e) => here(e.channel) && !skip(e.nick) && say(e.nick, `joined ${channel}`, true),
      )
      client.on(
        'part',
        (e) =>
          here(e.channel) &&
          !skip(e.nick) &&
          say(e.nick, `left ${channel}${e.reason ? ` (${e.reason})` : ''}`, true),
      )
      client.on(
        'quit',
        (e) => !skip(e.nick) && say(e.nick, `quit${e.reason ? ` (${e.reason})` : ''}`, true),
      )
      client.on(
        'kick',
        (e) =>
          here(e.channel) &&
          say(e.nick, `was kicked by ${e.by}${e.reason ? ` (${e.reason})` : ''}`, true),
      )
    }
    client.on('close', ({ error }) => {
      this.relayNicks.delete(ircLower(client.nick))
      if (this.client === client) {
        this.client = undefined
        ctx.down(error)
      }
    })
    this.client = client
    try {
      await client.connect()
    } catch (err) {
      if (this.client === client) this.client = undefined
      throw err
    }
    this.relayNicks.add(ircLower(client.nick))
    ctx.log.info({ nick: client.nick, channel }, 'irc relay joined')
  }

  async disconnect(): Promise<void> {
    const client = this.client
    this.client = undefined
    if (!client) return
    this.relayNicks.delete(ircLower(client.nick))
    await client.quit()
  }

  async send(item: OutboundItem): Promise<string[] | void> {
    const client = this.client
    if (!client?.ready) throw new Error('not connected to IRC')
    switch (item.type) {
      case 'message': {
        const ids: string[] = []
        for (const [i, part] of item.parts.entries()) {
          const addressed = i === 0 && item.replyTo?.from ? `${item.replyTo.from}: ${part}` : part
          if (item.action) await client.say(`${item.from} ${addressed}`, true)
          else await client.say(`<${item.from}> ${addressed}`)
          ids.push(this.nextId())
        }
        await client.confirm()
        return ids
      }
      case 'dropped':
        await client.say(
          `[chathub] ${item.count} message(s) from the hub were dropped while this link was down`,
        )
        await client.confirm()
        return
      case 'edit':
      case 'delete':
      case 'reaction':
        // Not declared in the capabilities: the runner sends corrections (and reactions) as lines instead.
        return
    }
  }

  health(): { connected: boolean; detail?: string } {
    const c = this.client
    return c?.ready
      ? { connected: true, detail: `${c.nick} in ${this.where.channel}` }
      : { connected: false }
  }
}

/** `s/old/new/`: the IRC way to correct one's last line; it becomes a hub edit of that message. */
const correction = (text: string): { find: string; replace: string } | undefined => {
  const m = /^s\/((?:[^/\\]|\\.)+)\/((?:[^/\\]|\\.)*)\/?$/.exec(text.trim())
  if (!m) return undefined
  const unescape = (s: string) => s.replace(/\\(.)/g, '$1')
  return { find: unescape(m[1] ?? ''), replace: unescape(m[2] ?? '') }
}
