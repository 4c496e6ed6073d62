// Idle-connection load: open N raw `ws` connections, authenticate each and join room "bench", then
// stay idle. Prints `{"event":"connected","n":N}` once all are open; exits on SIGTERM.
import type WebSocket from 'ws'
import { joinBench } from './member.ts'

const spec = JSON.parse(process.argv[2] ?? '{}') as { port: number; tokens: string[]; connections: number }
const url = `ws://127.0.0.1:${spec.port}/api/v1/ws`
const sockets: WebSocket[] = []

// Each connection authenticates and joins room "bench" (the bare server acks both without checking).
const open = async (i: number) => {
  sockets.push(await joinBench(url, spec.tokens[i % spec.tokens.length] ?? 'none'))
}

for (let i = 0; i < spec.connections; i += 200) {
  await Promise.all(Array.from({ length: Math.min(200, spec.connections - i) }, (_, k) => open(i + k)))
}
process.stdout.write(JSON.stringify({ event: 'connected', n: sockets.length }) + '\n')
process.on('SIGTERM', () => {
  for (const ws of sockets) ws.terminate()
  process.exit(0)
})
setInterval(() => undefined, 1 << 30)
