// `npm run bench -- presence`: a join storm — 1000 members of one room connect, authenticate and
// join at once, as after a hub restart. The hub with presence batched (limits.presenceBatchMs, the
// default 100 ms) against the same hub announcing every change at once (presenceBatchMs 0), side by
// side in each run: server CPU seconds, time until the last frame arrived, frames received.
import { cpuSeconds, median, start } from './process.ts'

const CLIENTS = 1000

interface Measure {
  cpu: number
  settledMs: number
  frames: number
}

const measure = async (presenceBatchMs: number): Promise<Measure> => {
  const proc = start('bench/servers/hub.ts', [String(CLIENTS), JSON.stringify({ presenceBatchMs })], 0)
  try {
    const ready = await proc.line<{ port: number; tokens: string[] }>()
    const pid = proc.child.pid as number
    const cpu0 = cpuSeconds(pid)
    const load = start(
      'bench/load/join-client.ts',
      [JSON.stringify({ port: ready.port, tokens: ready.tokens, clients: CLIENTS, quietMs: 500 })],
      1,
    )
    const result = await load.line<{ settledMs: number; frames: number }>('result')
    const cpu = cpuSeconds(pid) - cpu0
    await load.stop()
    return { cpu, settledMs: result.settledMs, frames: result.frames }
  } finally {
    await proc.stop()
  }
}

export const runPresence = async (opts: { runs: number }): Promise<string> => {
  const batched = { label: '**batched** (presenceBatchMs 100)', ms: 100, runs: [] as Measure[] }
  const atOnce = { label: 'each change at once (presenceBatchMs 0)', ms: 0, runs: [] as Measure[] }
  for (let run = 0; run < opts.runs; run++) {
    for (const v of run % 2 === 0 ? [batched, atOnce] : [atOnce, batched]) {
      const m = await measure(v.ms)
      v.runs.push(m)
      process.stderr.write(
        `run ${run + 1} presenceBatchMs ${v.ms}: CPU ${m.cpu.toFixed(2)} s, settled ${m.settledMs.toFixed(0)} ms, ${m.frames} frames\n`,
      )
    }
  }
  const lines = [
    `| ${CLIENTS} members join at once | server CPU s | settled ms | frames received | CPU ÷ at once | settled ÷ at once |`,
    '|---|---|---|---|---|---|',
  ]
  for (const { label, runs } of [batched, atOnce]) {
    // Ratios are paired per run (same run, same machine state), then the median is taken.
    const ratio = (f: (m: Measure) => number) => median(runs.map((x, k) => f(x) / f(atOnce.runs[k] as Measure)))
    const med = (f: (m: Measure) => number) => median(runs.map(f))
    lines.push(
      `| ${label} | ${med((x) => x.cpu).toFixed(2)} | ${med((x) => x.settledMs).toFixed(0)} | ${med((x) => x.frames).toFixed(0)} | ` +
        `${ratio((m) => m.cpu).toFixed(2)} | ${ratio((m) => m.settledMs).toFixed(2)} |`,
    )
  }
  return lines.join('\n')
}
