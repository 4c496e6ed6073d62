// Prometheus metrics of one hub instance (its own registry: no global state).
// The per-message ones are plain numbers on the hot path, handed to prom-client when /metrics is
// scraped: a prom-client call (label hashing, allocation) costs a few microseconds each time the
// event loop comes back from the kernel with a cold cache, which is once per message at a steady rate.
import {
  Counter,
  type CounterConfiguration,
  Gauge,
  Histogram,
  type HistogramConfiguration,
  Registry,
  collectDefaultMetrics,
} from 'prom-client'

/** A counter without labels whose increments are added up here and applied at scrape time. */
export interface HotCounter {
  inc(n?: number): void
}

const hotCounter = (config: CounterConfiguration<string>): HotCounter => {
  let pending = 0
  // Reached through the registry named in config.registers, which calls collect() at each scrape.
  new Counter({
    ...config,
    collect() {
      if (pending === 0) return
      this.inc(pending)
      pending = 0
    },
  })
  return {
    inc: (n = 1) => {
      pending += n
    },
  }
}

/** A histogram without labels whose observations are buffered and applied in bulk (at scrape or when full). */
export interface HotHistogram {
  observe(value: number): void
}

// Small enough that applying a full buffer (about 0.4 µs per value) never stalls the loop for long.
const HOT_HISTOGRAM_BUFFER = 256

const hotHistogram = (config: HistogramConfiguration<string>): HotHistogram => {
  const values = new Float64Array(HOT_HISTOGRAM_BUFFER)
  let n = 0
  const flush = (histogram: Histogram) => {
    for (let i = 0; i < n; i++) histogram.observe(values[i] as number)
    n = 0
  }
  const histogram = new Histogram({
    ...config,
    collect() {
      flush(this)
    },
  })
  return {
    observe: (value) => {
      values[n++] = value
      if (n === HOT_HISTOGRAM_BUFFER) flush(histogram)
    },
  }
}

export const createMetrics = () => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'chathub_process_' })
  const m = {
    registry,
    connections: new Gauge({ name: 'chathub_connections', help: 'open WebSocket connections', registers: [registry] }),
    received: hotCounter({
      name: 'chathub_messages_received_total',
      help: 'chat messages accepted from clients',
      registers: [registry],
    }),
    delivered: hotCounter({
      name: 'chathub_messages_delivered_total',
      help: 'events sent to followers by fan-out',
      registers: [registry],
    }),
    fanoutLatency: hotHistogram({
      name: 'chathub_fanout_latency_seconds',
      help: 'from a message frame arriving to its fan-out being queued (includes the commit)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    commitBatch: hotHistogram({
      name: 'chathub_commit_batch_size',
      help: 'messages per group commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    commitQueue: new Gauge({
      name: 'chathub_commit_queue_size',
      help: 'messages waiting for the next group commit',
      registers: [registry],
    }),
    slowConsumers: new Counter({
      name: 'chathub_slow_consumers_total',
      help: 'connections dropped for having too many bytes queued',
      registers: [registry],
    }),
    frameErrors: new Counter({
      name: 'chathub_frame_errors_total',
      help: 'error frames sent, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
  }
  return m
}
export type Metrics = ReturnType<typeof createMetrics>
