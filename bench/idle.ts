// `npm run bench -- idle`: server memory per authenticated idle connection (10,000 by default),
// the hub next to the bare ws server in the same run: (RSS with the connections − RSS before) ÷ N.
import { median, rssBytes, start } from './process.ts'

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms))

const measure = async (server: 'hub' | 'bare', connections: number): Promise<number> => {
  const proc = server === 'hub' ? start('bench/servers/hub.ts', ['100'], 0) : start('bench/servers/bare-ws.ts', [], 0)
  try {
    const ready = await proc.line<{ port: number; tokens?: string[] }>()
    const pid = proc.child.pid as number
    await settle(1500)
    const before = rssBytes(pid)
    const load = start(
      'bench/load/idle-client.ts',
      [JSON.stringify({ port: ready.port, tokens: ready.tokens ?? [], connections })],
      1,
    )
    await load.line('connected')
    await settle(3000)
    const after = rssBytes(pid)
    await load.stop()
    return (after - before) / connections
  } finally {
    await proc.stop()
  }
}

export const runIdle = async (opts: { runs: number; connections: number }): Promise<string> => {
  const hub: number[] = []
  const bare: number[] = []
  for (let run = 0; run < opts.runs; run++) {
    const order: ('hub' | 'bare')[] = run % 2 === 0 ? ['bare', 'hub'] : ['hub', 'bare']
    for (const server of order) {
      const perConn = await measure(server, opts.connections)
      ;(server === 'hub' ? hub : bare).push(perConn)
      process.stderr.write(`run ${run + 1} ${server}: ${(perConn / 1024).toFixed(2)} KiB per idle connection\n`)
    }
  }
  const ratio = median(hub.map((h, i) => h / (bare[i] as number)))
  return [
    `| idle connections | chathub KiB/conn | bare ws KiB/conn | ratio |`,
    `|---|---|---|---|`,
    `| ${opts.connections} | ${(median(hub) / 1024).toFixed(2)} | ${(median(bare) / 1024).toFixed(2)} | ${ratio.toFixed(2)} |`,
  ].join('\n')
}
