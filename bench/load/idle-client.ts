// Idle-connection load: open N raw `ws` connections, authenticate each (when tokens are given) and
// stay idle. Prints `{"event":"connected","n":N}` once all are open; exits on SIGTERM.
import WebSocket from 'ws'

const spec = JSON.parse(process.argv[2] ?? '{}') as { port: number; tokens: string[]; connections: number }
const url = `ws://127.0.0.1:${spec.port}/api/v1/ws`
const sockets: WebSocket[] = []

const open = (i: number) =>
  new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    sockets.push(ws)
    ws.on('error', reject)
    ws.on('open', () => {
      if (spec.tokens.length === 0) return resolve()
      ws.once('message', (data) => {
        const f = JSON.parse(data.toString()) as { type: string; code?: string }
        if (f.type === 'ack') resolve()
        else reject(new Error(f.code))
      })
      ws.send(JSON.stringify({ type: 'auth', ref: 'a', token: spec.tokens[i % spec.tokens.length] }))
    })
  })

for (let i = 0; i < spec.connections; i += 200) {
  await Promise.all(Array.from({ length: Math.min(200, spec.connections - i) }, (_, k) => open(i + k)))
}
process.stdout.write(JSON.stringify({ event: 'connected', n: sockets.length }) + '\n')
process.on('SIGTERM', () => {
  for (const ws of sockets) ws.terminate()
  process.exit(0)
})
setInterval(() => undefined, 1 << 30)
