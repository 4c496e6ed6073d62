// For the idle-memory bench: on SIGUSR2 the server collects garbage (when started with --expose-gc)
// and prints {"event":"heap","heapUsed":N} on stdout.
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  process.stdout.write(JSON.stringify({ event: 'heap', heapUsed: process.memoryUsage().heapUsed }) + '\n')
})

// For finding what stalls the event loop under load: with CHATHUB_BENCH_LOOP=1 the server prints,
// on SIGTERM, its event-loop delay (p50/p99/max) and its GC pauses (by kind) to stderr.
if (process.env.CHATHUB_BENCH_LOOP) {
  const { monitorEventLoopDelay, PerformanceObserver } = await import('node:perf_hooks')
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const gc = new Map<number, { count: number; total: number; max: number; over10: number }>()
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0
      const s = gc.get(kind) ?? { count: 0, total: 0, max: 0, over10: 0 }
      s.count++
      s.total += e.duration
      s.max = Math.max(s.max, e.duration)
      if (e.duration > 10) s.over10++
      gc.set(kind, s)
    }
  }).observe({ entryTypes: ['gc'] })
  process.on('SIGTERM', () => {
    const ms = (ns: number) => (ns / 1e6).toFixed(1)
    process.stderr.write(
      `loop delay ms: p50 ${ms(delay.percentile(50))} p99 ${ms(delay.percentile(99))} max ${ms(delay.max)}\n` +
        [...gc].map(([kind, s]) => `gc kind ${kind}: ${s.count}× total ${s.total.toFixed(0)} ms max ${s.max.toFixed(1)} ms, ${s.over10} over 10 ms`).join('\n') +
        '\n',
    )
  })
}
