// `npm run bench -- idle`: server memory per authenticated, joined idle connection (10,000 by
// default), the hub next to the bare ws server in the same run: (RSS with the connections − RSS
// before) ÷ N, and the same for the V8 heap after a full GC (the servers run with --expose-gc).
import { median, rssBytes, start } from './process.ts'

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface PerConnection {
  rss: number
  heap: number
}

const heapUsed = async (proc: ReturnType<typeof start>): Promise<number> => {
  const line = proc.line<{ heapUsed: number }>('heap')
  proc.child.kill('SIGUSR2')
  return (await line).heapUsed
}

const measure = async (server: 'hub' | 'bare', connections: number): Promise<PerConnection> => {
  const proc =
    server === 'hub'
      ? start('bench/servers/hub.ts', ['100'], 0, ['--expose-gc'])
      : start('bench/servers/bare-ws.ts', [], 0, ['--expose-gc'])
  try {
    const ready = await proc.line<{ port: number; tokens?: string[] }>()
    const pid = proc.child.pid as number
    await settle(1500)
    const heapBefore = await heapUsed(proc)
    const before = rssBytes(pid)
    const load = start(
      'bench/load/idle-client.ts',
      [JSON.stringify({ port: ready.port, tokens: ready.tokens ?? [], connections })],
      1,
    )
    await load.line('connected')
    await settle(3000)
    const heapAfter = await heapUsed(proc)
    const after = rssBytes(pid)
    await load.stop()
    return { rss: (after - before) / connections, heap: (heapAfter - heapBefore) / connections }
  } finally {
    await proc.stop()
  }
}

export const runIdle = async (opts: { runs: number; connections: number }): Promise<string> => {
  const hub: PerConnection[] = []
  const bare: PerConnection[] = []
  for (let run = 0; run < opts.runs; run++) {
    const order: ('hub' | 'bare')[] = run % 2 === 0 ? ['bare', 'hub'] : ['hub', 'bare']
    for (const server of order) {
      const m = await measure(server, opts.connections)
      ;(server === 'hub' ? hub : bare).push(m)
      process.stderr.write(
        `run ${run + 1} ${server}: ${(m.rss / 1024).toFixed(2)} KiB RSS, ${(m.heap / 1024).toFixed(2)} KiB heap per idle connection\n`,
      )
    }
  }
  const kib = (xs: PerConnection[], k: keyof PerConnection) => (median(xs.map((x) => x[k])) / 1024).toFixed(2)
  const ratio = (k: keyof PerConnection) => median(hub.map((h, i) => h[k] / (bare[i] as PerConnection)[k])).toFixed(2)
  return [
    `| idle joined connections | measure | chathub KiB/conn | bare ws KiB/conn | ratio (median of pairs) |`,
    `|---|---|---|---|---|`,
    `| ${opts.connections} | RSS | ${kib(hub, 'rss')} | ${kib(bare, 'rss')} | ${ratio('rss')} |`,
    `| ${opts.connections} | V8 heap (after GC) | ${kib(hub, 'heap')} | ${kib(bare, 'heap')} | ${ratio('heap')} |`,
  ].join('\n')
}
