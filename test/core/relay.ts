// A TCP relay between a client and the hub: the network in between, which the outbox tests make lose
// what the hub sends (an ack that never arrives) and cut, and point at a restarted hub.
import { createServer, type Server, type Socket, connect } from 'node:net'

export class Relay {
  /** While set, bytes from the hub are dropped on the way to the client. */
  blackhole = false
  private readonly pairs = new Set<[Socket, Socket]>()
  private readonly server: Server

  constructor(
    /** The hub's port; change it to relay new connections to another hub. */
    public upstreamPort: number,
  ) {
    this.server = createServer((client) => {
      const hub = connect(this.upstreamPort, '127.0.0.1')
      const pair: [Socket, Socket] = [client, hub]
      this.pairs.add(pair)
      client.on('data', (d) => hub.write(d))
      hub.on('data', (d) => {
        if (!this.blackhole) client.write(d)
      })
      const end = () => {
        this.pairs.delete(pair)
        client.destroy()
        hub.destroy()
      }
      for (const s of pair) {
        s.on('close', end)
        s.on('error', end)
      }
    })
  }

  /** Listen on an ephemeral port; resolves with the hub URL clients should use. */
  listen(): Promise<string> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address()
        resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)
      })
    })
  }

  /** Cut every relayed connection at once (both sides see the TCP connection end). */
  cut(): void {
    for (const [client, hub] of this.pairs) {
      client.destroy()
      hub.destroy()
    }
    this.pairs.clear()
  }

  close(): Promise<void> {
    this.cut()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
