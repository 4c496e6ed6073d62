// `npm run bench -- joins`: a join storm against a bare `ws` server — 2000 clients authenticate and
// join one room a hundred at a time, as after a hub restart; the hub (default limits for presence)
// and the bare server alternate run by run. Reports the time until every join was acked, the time
// until the last frame arrived (presence included) and the server's CPU, as paired ratios.
import { cpuSeconds, median, start } from './process.ts'

const CLIENTS = 2000

interface Measure {
  joinedMs: number
  settledMs: number
  cpu: number
  frames: number
}

const measure = async (server: 'hub' | 'bare'): Promise<Measure> => {
  const proc =
    server === 'hub' ? start('bench/servers/hub.ts', [String(CLIENTS)], 0) : start('bench/servers/bare-ws.ts', [], 0)
  try {
    const ready = await proc.line<{ port: number; tokens?: string[] }>()
    const pid = proc.child.pid as number
    const cpu0 = cpuSeconds(pid)
    const load = start(
      'bench/load/join-client.ts',
      [JSON.stringify({ port: ready.port, tokens: ready.tokens ?? ['none'], clients: CLIENTS, quietMs: 500 })],
      1,
    )
    const r = await load.line<{ joinedMs: number; settledMs: number; frames: number }>('result')
    const cpu = cpuSeconds(pid) - cpu0
    await load.stop()
    return { joinedMs: r.joinedMs, settledMs: r.settledMs, frames: r.frames, cpu }
  } finally {
    await proc.stop()
  }
}

export const runJoins = async (opts: { runs: number }): Promise<string> => {
  const runs: { hub: Measure; bare: Measure }[] = []
  for (let i = 0; i < opts.runs; i++) {
    // Alternate which goes first, so a drift of the machine's speed does not favour one.
    const first = i % 2 === 0 ? 'hub' : 'bare'
    const a = await measure(first)
    const b = await measure(first === 'hub' ? 'bare' : 'hub')
    runs.push(first === 'hub' ? { hub: a, bare: b } : { hub: b, bare: a })
  }
  const ratio = (key: keyof Measure) => median(runs.map((r) => r.hub[key] / r.bare[key]))
  const med = (who: 'hub' | 'bare', key: keyof Measure) => median(runs.map((r) => r[who][key]))
  return [
    `joins: ${CLIENTS} clients auth + join one room, 100 at a time; ${opts.runs} paired runs, medians`,
    '',
    '| server | all joins acked (ms) | last frame (ms) | server CPU (s) | frames received |',
    '|---|---|---|---|---|',
    `| hub | ${med('hub', 'joinedMs').toFixed(0)} | ${med('hub', 'settledMs').toFixed(0)} | ${med('hub', 'cpu').toFixed(2)} | ${med('hub', 'frames')} |`,
    `| bare ws | ${med('bare', 'joinedMs').toFixed(0)} | ${med('bare', 'settledMs').toFixed(0)} | ${med('bare', 'cpu').toFixed(2)} | ${med('bare', 'frames')} |`,
    `| **hub ÷ bare** (median of pairs) | **${ratio('joinedMs').toFixed(2)}×** | ${ratio('settledMs').toFixed(2)}× | ${ratio('cpu').toFixed(2)}× | |`,
    '',
    `per-run joins-acked ratios: ${runs.map((r) => (r.hub.joinedMs / r.bare.joinedMs).toFixed(2)).join(', ')}; target ≤ 3×`,
  ].join('\n')
}
