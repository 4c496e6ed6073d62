// For the idle-memory bench: on SIGUSR2 the server collects garbage (when started with --expose-gc)
// and prints {"event":"heap","heapUsed":N} on stdout.
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  process.stdout.write(JSON.stringify({ event: 'heap', heapUsed: process.memoryUsage().heapUsed }) + '\n')
})
