// Baseline for the fan-out benchmarks: a bare `ws` broadcast server with the hub's message shape —
// no auth, no validation, no persistence. Prints {"port": N} on stdout once listening.
// With `--batched` it corks every socket for the rest of the event-loop turn once a frame arrives,
// the same write batching the hub does, so the hub's own costs can be read apart from that trick.
import './heap-probe.ts'
import { WebSocketServer, type WebSocket } from 'ws'

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 65536 })
const clients = new Set<WebSocket>()
let seq = 0
const batched = process.argv.includes('--batched')
let corked = false
type Corkable = { _socket?: { cork(): void; uncork(): void } }
const cork = () => {
  if (corked) return
  corked = true
  for (const c of clients) (c as unknown as Corkable)._socket?.cork()
  setImmediate(() => {
    corked = false
    for (const c of clients) (c as unknown as Corkable)._socket?.uncork()
  })
}

wss.on('connection', (ws) => {
  clients.add(ws)
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString()) as { type: string; ref: string; room: string; text: string; txn: string }
    if (f.type === 'auth' || f.type === 'join') {
      ws.send(JSON.stringify({ type: 'ack', ref: f.ref }))
      return
    }
    if (batched) cork()
    const s = ++seq
    ws.send(JSON.stringify({ type: 'ack', ref: f.ref, room: f.room, seq: s, duplicate: false }))
    const bytes = Buffer.from(
      JSON.stringify({ type: 'message', room: f.room, seq: s, from: 'user', text: f.text, ts: Date.now(), txn: f.txn }),
    )
    for (const c of clients) c.send(bytes, { binary: false })
  })
  ws.on('close', () => clients.delete(ws))
})
wss.on('listening', () => {
  const address = wss.address()
  if (address && typeof address === 'object') process.stdout.write(JSON.stringify({ port: address.port }) + '\n')
})
process.on('SIGTERM', () => process.exit(0))
