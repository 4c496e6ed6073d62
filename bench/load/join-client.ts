// Join-storm load: N raw `ws` clients (users u0..u{N-1}) authenticate and join room "bench", 100 at a
// time, as after a hub restart. Counts every frame received until none arrived for `quietMs`, then
// prints `{"event":"result", joinedMs, settledMs, frames}` (ms since the first connection).
import WebSocket from 'ws'

const spec = JSON.parse(process.argv[2] ?? '{}') as { port: number; tokens: string[]; clients: number; quietMs: number }
const url = `ws://127.0.0.1:${spec.port}/api/v1/ws`
let frames = 0
let lastFrameAt = 0

const open = (i: number): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
    let step = 0
    ws.on('error', reject)
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', ref: 'a', token: spec.tokens[i % spec.tokens.length] })))
    ws.on('message', (data: Buffer) => {
      frames++
      lastFrameAt = performance.now()
      // Only this socket's own acks matter here; everything else is counted and dropped.
      if (step >= 2 || data[9] !== 0x61 || data[10] !== 0x63 || data[11] !== 0x6b) return
      if (step++ === 0) ws.send(JSON.stringify({ type: 'join', ref: 'j', room: 'bench' }))
      else resolve(ws)
    })
  })

const started = performance.now()
const sockets: WebSocket[] = []
for (let i = 0; i < spec.clients; i += 100) {
  sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, spec.clients - i) }, (_, k) => open(i + k)))))
}
const joinedMs = performance.now() - started
while (performance.now() - lastFrameAt < spec.quietMs) await new Promise((r) => setTimeout(r, 20))
const settledMs = lastFrameAt - started
process.stdout.write(JSON.stringify({ event: 'result', joinedMs, settledMs, frames }) + '\n')
for (const ws of sockets) ws.terminate()
process.exit(0)
