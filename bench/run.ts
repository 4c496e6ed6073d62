// `npm run bench -- <name> [--runs N] [--measure MS] [--only TEXT]`: run one benchmark, print its markdown table.
import { parseArgs } from 'node:util'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2000' },
    measure: { type: 'string', default: '5000' },
    only: { type: 'string' },
    generator: { type: 'string', default: 'node' },
    connections: { type: 'string', default: '10000' },
  },
})
const name = positionals[0]
const runs = Number(values.runs)

const benches: Record<string, () => Promise<string>> = {
  fanout: async () =>
    (await import('./fanout.ts')).runFanout({
      runs,
      warmup: Number(values.warmup),
      measure: Number(values.measure),
      only: values.only,
      generator: values.generator === 'c' ? 'c' : 'node',
    }),
  idle: async () => (await import('./idle.ts')).runIdle({ runs, connections: Number(values.connections) }),
  stego: async () => {
    const { formatStegoBench, runStegoBench } = await import('./stego.ts')
    return formatStegoBench(await runStegoBench({ runs }))
  },
  bots: async () => (await import('./bots.ts')).runBots({ runs }),
  bridge: async () => (await import('./bridge.ts')).runBridge({ runs }),
  presence: async () => (await import('./presence.ts')).runPresence({ runs }),
  joins: async () => (await import('./joins.ts')).runJoins({ runs }),
  e2e: async () => (await import('./e2e.ts')).runE2e({ runs }),
  startup: async () => (await import('./startup.ts')).runStartup({ runs, only: values.only }),
  search: async () => (await import('./search.ts')).runSearch({ runs, only: values.only }),
  web: async () => (await import('./web.ts')).runWeb({ runs, only: values.only }),
}

const bench = name ? benches[name] : undefined
if (!bench) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [--runs N]\n`)
  process.exit(2)
}
process.stdout.write((await bench()) + '\n')
