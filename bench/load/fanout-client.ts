// Load generator (its own process, pinned to its own core): N raw `ws` clients in room "bench";
// S senders either saturate with a bounded window each, or send at a fixed rate (open loop: latency
// counts from the intended send time, so a stalled server cannot hide its queueing — no coordinated omission).
// Prints `{"event":"measure-start"}`, then `{"event":"result", ...}` as JSON lines on stdout.
import type WebSocket from 'ws'
import { joinAll } from './member.ts'

export interface LoadSpec {
  port: number
  tokens: string[]
  clients: number
  senders: number
  window: number
  mode: 'saturate' | 'rate'
  /** With mode "rate": target deliveries per second (messages/s × clients). */
  deliveriesPerSecond: number
  warmupMs: number
  measureMs: number
  payloadBytes: number
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec
const url = `ws://127.0.0.1:${spec.port}/api/v1/ws`
const padding = 'x'.repeat(Math.max(0, spec.payloadBytes - 24))

// The generator shares a 2-core machine with the server, so it must stay well below saturation or its
// own queueing becomes the latency measured: frames are inspected as bytes (no string per frame, no
// UTF-8 validation of the server's output), and the intended send time is parsed from the digits.
const TEXT_KEY = Buffer.from('"text":"')
/** `{"type":"message"...` (byte 9 starts the type value). */
const isMessage = (b: Buffer) => b[9] === 0x6d && b[10] === 0x65 && b[11] === 0x73 && b[12] === 0x73
/** `{"type":"ack"...`. */
const isAck = (b: Buffer) => b[9] === 0x61 && b[10] === 0x63 && b[11] === 0x6b && b[12] === 0x22
/** The number before the first ':' of the message text: the intended send time in ms. */
const intendedTime = (b: Buffer): number => {
  let i = b.indexOf(TEXT_KEY) + TEXT_KEY.length
  let whole = 0
  let c = b[i] as number
  for (; c >= 0x30 && c <= 0x39; c = b[++i] as number) whole = whole * 10 + (c - 0x30)
  if (c !== 0x2e) return whole
  let frac = 0
  let scale = 1
  for (c = b[++i] as number; c >= 0x30 && c <= 0x39; c = b[++i] as number) {
    frac = frac * 10 + (c - 0x30)
    scale *= 10
  }
  return whole + frac / scale
}

let measuring = false
let deliveries = 0
let latencies = new Float64Array(1 << 20)
let nLat = 0
const record = (ms: number) => {
  if (nLat === latencies.length) {
    const next = new Float64Array(latencies.length * 2)
    next.set(latencies)
    latencies = next
  }
  latencies[nLat++] = ms
}

const main = async () => {
  const sockets = await joinAll(url, spec.tokens, spec.clients)
  // Start the measurement with a compacted heap: setup garbage would otherwise bring a major GC of
  // the generator (10+ ms, stalling every client at once) into the window. See GENERATOR_NODE_ARGS.
  ;(globalThis as { gc?: () => void }).gc?.()
  let txn = 0
  const outstanding = new Array<number>(spec.senders).fill(0)
  const send = (s: number, intended: number) => {
    const ws = sockets[s] as WebSocket
    outstanding[s] = (outstanding[s] ?? 0) + 1
    ws.send(`{"type":"say","ref":"${++txn}","room":"bench","txn":"t${txn}","text":"${intended.toFixed(3)}:${padding}"}`)
  }
  for (const ws of sockets) {
    ws.on('message', (data: Buffer) => {
      if (!measuring || !isMessage(data)) return
      deliveries++
      record(performance.now() - intendedTime(data))
    })
  }
  const stopAt = performance.now() + spec.warmupMs + spec.measureMs
  const started = performance.now()
  setTimeout(() => {
    measuring = true
    process.stdout.write(JSON.stringify({ event: 'measure-start' }) + '\n')
  }, spec.warmupMs)

  if (spec.mode === 'saturate') {
    for (let s = 0; s < spec.senders; s++) {
      const ws = sockets[s] as WebSocket
      ws.on('message', (data: Buffer) => {
        if (isAck(data)) {
          outstanding[s] = (outstanding[s] ?? 1) - 1
          if (performance.now() < stopAt) send(s, performance.now())
        }
      })
      for (let w = 0; w < spec.window; w++) send(s, performance.now())
    }
  } else {
    const perSecond = spec.deliveriesPerSecond / spec.clients
    const interval = 1000 / perSecond
    let k = 0
    const tick = () => {
      const now = performance.now()
      while (started + k * interval <= now && started + k * interval < stopAt) {
        send(k % spec.senders, started + k * interval)
        k++
      }
      if (now < stopAt) setImmediate(tick)
    }
    tick()
  }
  await new Promise((r) => setTimeout(r, spec.warmupMs + spec.measureMs))
  measuring = false
  const lat = latencies.subarray(0, nLat).sort()
  const pct = (p: number) => (nLat === 0 ? NaN : (lat[Math.min(nLat - 1, Math.floor(p * nLat))] as number))
  process.stdout.write(
    JSON.stringify({
      event: 'result',
      deliveries,
      perSecond: deliveries / (spec.measureMs / 1000),
      p50: pct(0.5),
      p99: pct(0.99),
    }) + '\n',
  )
  for (const ws of sockets) ws.terminate()
  process.exit(0)
}
void main().catch((err: unknown) => {
  process.stderr.write(String(err) + '\n')
  process.exit(1)
})
