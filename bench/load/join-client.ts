// Join-storm load: N raw `ws` clients (users u0..u{N-1}) authenticate and join room "bench", 100 at a
// time, as after a hub restart. Counts every frame received until none arrived for `quietMs`, then
// prints `{"event":"result", joinedMs, settledMs, frames}` (ms since the first connection).
import { joinAll } from './member.ts'

const spec = JSON.parse(process.argv[2] ?? '{}') as { port: number; tokens: string[]; clients: number; quietMs: number }
let frames = 0
let lastFrameAt = 0
const count = () => {
  frames++
  lastFrameAt = performance.now()
}

const started = performance.now()
const sockets = await joinAll(`ws://127.0.0.1:${spec.port}/api/v1/ws`, spec.tokens, spec.clients, count)
const joinedMs = performance.now() - started
while (performance.now() - lastFrameAt < spec.quietMs) await new Promise((r) => setTimeout(r, 20))
const settledMs = lastFrameAt - started
process.stdout.write(JSON.stringify({ event: 'result', joinedMs, settledMs, frames }) + '\n')
for (const ws of sockets) ws.terminate()
process.exit(0)
