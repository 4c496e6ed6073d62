// Prometheus metrics of one hub instance (its own registry: no global state).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export const createMetrics = () => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'chathub_process_' })
  const m = {
    registry,
    connections: new Gauge({ name: 'chathub_connections', help: 'open WebSocket connections', registers: [registry] }),
    received: new Counter({
      name: 'chathub_messages_received_total',
      help: 'chat messages accepted from clients',
      registers: [registry],
    }),
    delivered: new Counter({
      name: 'chathub_messages_delivered_total',
      help: 'events sent to followers by fan-out',
      registers: [registry],
    }),
    fanoutLatency: new Histogram({
      name: 'chathub_fanout_latency_seconds',
      help: 'from a message frame arriving to its fan-out being queued (includes the commit)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    commitBatch: new Histogram({
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
