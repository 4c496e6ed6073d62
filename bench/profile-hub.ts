// Ad-hoc profiling (not part of `npm run bench`): run one server under the fixed-rate fan-out load
// with --cpu-prof, e.g. `npx tsx bench/profile-hub.ts hub 100 /tmp/prof` (or `bare`; dir `none`
// for no profile), then read the .cpuprofile in Chrome DevTools.
import { GENERATOR_NODE_ARGS } from './fanout.ts'
import { start } from './process.ts'

const [server = 'hub', count = '100', dir = '/tmp/prof'] = process.argv.slice(2)
const clients = Number(count)
const nodeArgs = dir === 'none' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`]
const proc =
  server === 'hub'
    ? start('bench/servers/hub.ts', [String(clients)], 0, nodeArgs)
    : start('bench/servers/bare-ws.ts', [], 0, nodeArgs)
const ready = await proc.line<{ port: number; tokens?: string[] }>()
const load = start(
  'bench/load/fanout-client.ts',
  [
    JSON.stringify({
      port: ready.port,
      tokens: ready.tokens ?? ['none'],
      clients,
      senders: 10,
      window: 0,
      mode: 'rate',
      deliveriesPerSecond: 80000,
      warmupMs: 2000,
      measureMs: Number(process.env.MEASURE_MS ?? 8000),
      payloadBytes: 100,
    }),
  ],
  1,
  GENERATOR_NODE_ARGS,
)
console.log(await load.line('result'))
await load.stop()
await proc.stop()
