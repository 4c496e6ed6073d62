// A remote IRC user for the bridge tests (irc-framework): connects to the test daemon, joins channels,
// talks, and collects what it hears, with waits on what it expects.
import irc, { type Client, type IrcMessageEvent } from 'irc-framework'
import type { Ngircd } from '#test/helpers/ngircd'

export interface Heard {
  nick: string
  target: string
  text: string
  type: IrcMessageEvent['type']
}

export class IrcUser {
  readonly heard: Heard[] = []
  private constructor(
    readonly client: Client,
    readonly nick: string,
  ) {
    client.on('message', (e: IrcMessageEvent) =>
      this.heard.push({ nick: e.nick, target: e.target, text: e.message, type: e.type }),
    )
  }

  static async connect(daemon: Ngircd, nick: string, channels: string[]): Promise<IrcUser> {
    const client = new irc.Client({ auto_reconnect: false })
    const user = new IrcUser(client, nick)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${nick} did not register`)), 10_000)
      client.once('registered', () => {
        clearTimeout(timer)
        resolve()
      })
      client.connect({
        host: daemon.host,
        port: daemon.port,
        nick,
        username: nick,
        gecos: nick,
        auto_reconnect: false,
      })
    })
    for (const channel of channels) await user.join(channel)
    return user
  }

  join(channel: string): Promise<void> {
    return new Promise((resolve) => {
      const onJoin = (e: { nick: string; channel: string }) => {
        if (e.nick === this.client.user.nick && e.channel.toLowerCase() === channel.toLowerCase()) {
          this.client.off('join', onJoin)
          resolve()
        }
      }
      this.client.on('join', onJoin)
      this.client.join(channel)
    })
  }

  say(channel: string, text: string): void {
    this.client.say(channel, text)
  }

  /** Wait until `count` lines match (default one); returns them. */
  async waitFor(match: (h: Heard) => boolean, count = 1, timeoutMs = 15_000): Promise<Heard[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const got = this.heard.filter(match)
      if (got.length >= count) return got
      if (Date.now() > deadline) {
        throw new Error(
          `${this.nick}: ${got.length}/${count} lines after ${timeoutMs} ms; heard ${JSON.stringify(this.heard.slice(-5))}`,
        )
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Wait until a user is in the channel (a relay client joined), via NAMES polling. */
  async waitForNick(channel: string, nickPrefix: string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const names = await new Promise<string[]>((resolve) => {
        const onList = (e: { channel: string; users: { nick: string }[] }) => {
          if (e.channel.toLowerCase() !== channel.toLowerCase()) return
          this.client.off('userlist', onList)
          resolve(e.users.map((u) => u.nick))
        }
        this.client.on('userlist', onList)
        this.client.raw('NAMES', channel)
      })
      const found = names.find((n) => n.toLowerCase().startsWith(nickPrefix.toLowerCase()))
      if (found) return found
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`no ${nickPrefix}* in ${channel}`)
  }

  quit(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 1000)
      this.client.once('close', () => {
        clearTimeout(t)
        resolve()
      })
      this.client.quit('bye')
    })
  }
}
