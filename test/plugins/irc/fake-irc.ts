// A tiny in-process IRC server for what ngircd cannot do: IRCv3 CAP/SASL PLAIN and a NickServ.
// These are services of networks we do not own (Libera, OFTC...), so a fake is the only way to test
// them here. It speaks just enough RFC 1459/2812 + IRCv3 CAP 302/SASL 3.1: CAP LS/REQ/ACK/END,
// AUTHENTICATE PLAIN (chunked), 900/903/904, PASS/NICK/USER/001, JOIN/353/366, PRIVMSG, PING, QUIT.
// Every line a client sends is recorded; `say` plays a remote user in the channel; `stall` makes the
// open connections stop reading, as ngircd does with a connection after a line holding a NUL.
import net from 'node:net'

export interface FakeIrcOptions {
  /** Offer `sasl` (in the second line of a multi-line CAP LS). */
  sasl: boolean
  /** The SASL PLAIN credentials that log in; anything else gets 904. */
  account?: { user: string; password: string }
}

export class FakeIrc {
  /** Every line received, per connection, in order. */
  readonly connections: string[][] = []
  port = 0
  private readonly server: net.Server
  private readonly sockets = new Set<net.Socket>()
  /** The socket and nick of the registered client that joined, for `say`. */
  private joined: { socket: net.Socket; nick: string } | undefined
  /** Connections that stopped reading: their lines are neither recorded nor answered. */
  private readonly stalled = new Set<net.Socket>()

  constructor(private readonly options: FakeIrcOptions) {
    this.server = net.createServer((socket) => this.serve(socket))
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    const address = this.server.address()
    this.port = typeof address === 'object' && address ? address.port : 0
  }

  /** All lines of all connections. */
  lines(): string[] {
    return this.connections.flat()
  }

  /** A remote user says something in a channel (to the joined client). */
  say(from: string, channel: string, text: string): void {
    this.joined?.socket.write(`:${from}!${from}@remote.example PRIVMSG ${channel} :${text}\r\n`)
  }

  /** Every open connection stops reading (stays open, answers nothing); new ones are served. */
  stall(): void {
    for (const s of this.sockets) this.stalled.add(s)
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    const got: string[] = []
    this.connections.push(got)
    const me = 'fake.irc.test'
    const send = (line: string) => socket.write(`${line}\r\n`)
    let nick = '*'
    let user = false
    let capping = false
    let welcomed = false
    let sasl = ''
    const welcome = () => {
      if (welcomed || capping || nick === '*' || !user) return
      welcomed = true
      send(`:${me} 001 ${nick} :Welcome to the fake network ${nick}`)
      send(`:${me} 005 ${nick} NICKLEN=30 CHANTYPES=# :are supported by this server`)
    }
    let buffer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      if (this.stalled.has(socket)) return
      buffer += chunk
      let i: number
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i)
        buffer = buffer.slice(i + 2)
        got.push(line)
        const [command = '', ...rest] = line.split(' ')
        const arg = rest.join(' ')
        switch (command.toUpperCase()) {
          case 'CAP':
            if (rest[0] === 'LS') {
              capping = true
              // Multi-line LS (CAP 302): sasl is only on the last line.
              send(`:${me} CAP * LS * :multi-prefix away-notify`)
              send(`:${me} CAP * LS :${this.options.sasl ? 'sasl=PLAIN,EXTERNAL ' : ''}account-tag`)
            } else if (rest[0] === 'REQ') {
              send(`:${me} CAP ${nick} ACK ${rest.slice(1).join(' ')}`)
            } else if (rest[0] === 'END') {
              capping = false
              welcome()
            }
            break
          case 'AUTHENTICATE':
            if (arg === 'PLAIN') send('AUTHENTICATE +')
            else {
              if (arg !== '+') sasl += arg
              if (arg.length === 400) break // more to come
              const [authz, authc, password] = Buffer.from(sasl, 'base64').toString().split('\0')
              sasl = ''
              const a = this.options.account
              if (a && authz === a.user && authc === a.user && password === a.password) {
                send(`:${me} 900 ${nick} ${nick}!u@h ${a.user} :You are now logged in as ${a.user}`)
                send(`:${me} 903 ${nick} :SASL authentication successful`)
              } else send(`:${me} 904 ${nick} :SASL authentication failed`)
            }
            break
          case 'NICK':
            nick = arg
            welcome()
            break
          case 'USER':
            user = true
            welcome()
            break
          case 'PING':
            send(`:${me} PONG ${me} ${arg}`)
            break
          case 'JOIN': {
            const channel = rest[0] ?? ''
            send(`:${nick}!u@h JOIN ${channel}`)
            send(`:${me} 353 ${nick} = ${channel} :${nick} carol`)
            send(`:${me} 366 ${nick} ${channel} :End of /NAMES list`)
            this.joined = { socket, nick }
            break
          }
          case 'QUIT':
            send(`ERROR :Closing link (${arg})`)
            socket.end()
            break
        }
      }
    })
  }
}
