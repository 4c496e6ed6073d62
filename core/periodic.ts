// A job the hub runs every N seconds (the attachment and retention sweeps): one run at a time, the
// first one interval after start, on an unref'd timer that never keeps the process alive. stop()
// aborts a run in progress through its signal and waits for it, so that the database can be closed
// right after.

export interface PeriodicJob {
  stop(): Promise<void>
}

/**
 * Run `job` every `intervalSeconds` (0: never), each run starting one interval after the previous
 * one ended. `job` must not throw (log its own failures); it should stop early when `signal` aborts.
 *
 * @example
 * const sweeper = startPeriodic(900, (signal) => sweep({ signal }))
 * app.addHook('onClose', () => sweeper.stop())
 */
export const startPeriodic = (
  intervalSeconds: number,
  job: (signal: AbortSignal) => Promise<void>,
): PeriodicJob => {
  if (intervalSeconds === 0) return { stop: async () => undefined }
  const abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  const schedule = (): void => {
    if (abort.signal.aborted) return
    timer = setTimeout(() => {
      running = job(abort.signal).finally(() => {
        running = undefined
        schedule()
      })
    }, intervalSeconds * 1000)
    timer.unref()
  }
  schedule()
  return {
    async stop() {
      abort.abort()
      clearTimeout(timer)
      await running
    },
  }
}
