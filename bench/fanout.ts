// `npm run bench -- fanout`: the hub against a bare ws broadcast server, side by side in one run,
// same load generator (its own process and core). Reports delivered messages/s, p50/p99 latency and
// server CPU per delivery, with the hub/bare ratio paired per run, and the medians over runs.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuSeconds, median, type Proc, start, startProgram } from './process.ts'

interface Scenario {
  name: string
  clients: number
  senders: number
  window: number
  mode: 'saturate' | 'rate'
  deliveriesPerSecond: number
}

const SCENARIOS: Scenario[] = [
  { name: '10 clients, saturated', clients: 10, senders: 10, window: 8, mode: 'saturate', deliveriesPerSecond: 0 },
  { name: '100 clients, saturated', clients: 100, senders: 10, window: 4, mode: 'saturate', deliveriesPerSecond: 0 },
  { name: '1000 clients, saturated', clients: 1000, senders: 10, window: 2, mode: 'saturate', deliveriesPerSecond: 0 },
  { name: '100 clients, 80k deliveries/s', clients: 100, senders: 10, window: 0, mode: 'rate', deliveriesPerSecond: 80000 },
  { name: '1000 clients, 80k deliveries/s', clients: 1000, senders: 10, window: 0, mode: 'rate', deliveriesPerSecond: 80000 },
]

/**
 * The generator is the measuring instrument, so its own GC must stay out of the window: V8's memory
 * reducer schedules a major GC 8 s after the first one (a 10-15 ms pause of every client at once,
 * which lands inside a 5 s window for one server and outside it for another, depending only on how
 * long that server's setup took), and a small young generation promotes garbage into the old one
 * until a major GC follows. Applied to the generator only; servers run with Node's defaults.
 */
/** Node flags for the hub under test only, to try V8 settings: CHATHUB_BENCH_HUB_ARGS="--max-semi-space-size=4". */
const HUB_NODE_ARGS = (process.env.CHATHUB_BENCH_HUB_ARGS ?? '').split(' ').filter(Boolean)

export const GENERATOR_NODE_ARGS = ['--no-memory-reducer', '--max-semi-space-size=64', '--expose-gc']

interface Measure {
  perSecond: number
  p50: number
  p99: number
  cpuPerDelivery: number
}

type ServerKind = 'hub' | 'bare' | 'batched'
const SERVERS: ServerKind[] = ['bare', 'batched', 'hub']

/**
 * Which load generator measures: `node` (bench/load/fanout-client.ts, raw `ws` clients) or `c`
 * (bench/load/fanout-gen.c, epoll and its own framing: an independent second instrument, fixed-rate
 * scenarios only). The C one is compiled with the machine's `cc` into a temp dir on first use.
 */
export type Generator = 'node' | 'c'

let work: string | undefined
const workDir = () => (work ??= mkdtempSync(join(tmpdir(), 'chathub-fanout-')))
let cGenerator: string | undefined
const compileCGenerator = (): string => {
  if (cGenerator) return cGenerator
  const source = fileURLToPath(new URL('load/fanout-gen.c', import.meta.url))
  const out = join(workDir(), 'fanout-gen')
  execFileSync('cc', ['-O2', '-o', out, source], { stdio: 'inherit' })
  return (cGenerator = out)
}

const startGenerator = (generator: Generator, port: number, tokens: string[], s: Scenario, ms: { warmup: number; measure: number }): Proc => {
  if (generator === 'c') {
    if (s.mode !== 'rate') throw new Error('the C generator runs the fixed-rate scenarios only (--only 80k)')
    const tokensFile = join(workDir(), 'tokens')
    writeFileSync(tokensFile, tokens.join('\n') + '\n')
    const args = [port, s.clients, s.senders, s.deliveriesPerSecond, ms.warmup, ms.measure, 100, tokensFile]
    return startProgram(compileCGenerator(), args.map(String), 1, 'fanout-gen')
  }
  return start(
    'bench/load/fanout-client.ts',
    [
      JSON.stringify({
        port,
        tokens,
        clients: s.clients,
        senders: s.senders,
        window: s.window,
        mode: s.mode,
        deliveriesPerSecond: s.deliveriesPerSecond,
        warmupMs: ms.warmup,
        measureMs: ms.measure,
        payloadBytes: 100,
      }),
    ],
    1,
    GENERATOR_NODE_ARGS,
  )
}

const measure = async (
  server: ServerKind,
  s: Scenario,
  ms: { warmup: number; measure: number; generator: Generator },
): Promise<Measure> => {
  const proc =
    server === 'hub'
      ? start('bench/servers/hub.ts', [String(Math.min(s.clients, 1000))], 0, HUB_NODE_ARGS)
      : start('bench/servers/bare-ws.ts', server === 'batched' ? ['--batched'] : [], 0)
  try {
    const ready = await proc.line<{ port: number; tokens?: string[] }>()
    const pid = proc.child.pid as number
    const load = startGenerator(ms.generator, ready.port, ready.tokens ?? ['none'], s, ms)
    await load.line('measure-start')
    const cpu0 = cpuSeconds(pid)
    const result = await load.line<{ deliveries: number; perSecond: number; p50: number; p99: number }>('result')
    const cpu1 = cpuSeconds(pid)
    await load.stop()
    return {
      perSecond: result.perSecond,
      p50: result.p50,
      p99: result.p99,
      cpuPerDelivery: (cpu1 - cpu0) / Math.max(1, result.deliveries),
    }
  } finally {
    await proc.stop()
  }
}

export const runFanout = async (opts: { runs: number; warmup: number; measure: number; only?: string; generator: Generator }) => {
  const scenarios = SCENARIOS.filter((s) => !opts.only || s.name.includes(opts.only))
  const rows: Record<string, Record<ServerKind, Measure[]>> = {}
  for (let run = 0; run < opts.runs; run++) {
    for (const s of scenarios) {
      // Alternate the order between runs so that neither side always runs on a warmer machine.
      const order = run % 2 === 0 ? SERVERS : [...SERVERS].reverse()
      const row = (rows[s.name] ??= { hub: [], bare: [], batched: [] })
      for (const server of order) {
        const m = await measure(server, s, opts)
        row[server].push(m)
        process.stderr.write(
          `run ${run + 1} ${s.name} ${server}: ${m.perSecond.toFixed(0)}/s p50 ${m.p50.toFixed(2)}ms p99 ${m.p99.toFixed(2)}ms ` +
            `${(m.cpuPerDelivery * 1e6).toFixed(2)}µs/delivery\n`,
        )
      }
    }
  }
  const lines = [
    '| scenario | server | msgs/s | p50 ms | p99 ms | CPU µs/delivery | throughput ÷ bare | p99 ÷ bare | CPU ÷ bare |',
    '|---|---|---|---|---|---|---|---|---|',
  ]
  for (const [name, r] of Object.entries(rows)) {
    for (const server of ['hub', 'bare', 'batched'] as const) {
      const xs = r[server]
      // Ratios are paired per run (same run, same machine state), then the median is taken.
      const ratio = (f: (m: Measure) => number) => median(xs.map((x, i) => f(x) / f(r.bare[i] as Measure)))
      const med = (f: (m: Measure) => number) => median(xs.map(f))
      const label = server === 'batched' ? 'bare ws + write batching' : server === 'bare' ? 'bare ws (baseline)' : '**chathub**'
      lines.push(
        `| ${name} | ${label} | ${med((m) => m.perSecond).toFixed(0)} | ${med((m) => m.p50).toFixed(2)} | ` +
          `${med((m) => m.p99).toFixed(2)} | ${(med((m) => m.cpuPerDelivery) * 1e6).toFixed(2)} | ` +
          `${ratio((m) => m.perSecond).toFixed(2)} | ${ratio((m) => m.p99).toFixed(2)} | ${ratio((m) => m.cpuPerDelivery).toFixed(2)} |`,
      )
    }
  }
  return lines.join('\n')
}
