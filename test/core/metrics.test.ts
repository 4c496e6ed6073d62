// The per-message metrics are plain numbers on the hot path, handed to prom-client at scrape time:
// totals must keep adding up across scrapes, and a histogram's buffer must flush when it fills.
import { expect, test } from 'vitest'
import { createMetrics } from '#core/metrics'

const scrape = async (metrics: ReturnType<typeof createMetrics>) => {
  const text = await metrics.registry.metrics()
  return (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
}

test('hot counters and histograms are cumulative across scrapes', async () => {
  const metrics = createMetrics()
  let value = await scrape(metrics)
  expect(value('chathub_messages_received_total')).toBe(0)
  expect(value('chathub_fanout_latency_seconds_count')).toBe(0)

  metrics.received.inc()
  metrics.received.inc()
  metrics.delivered.inc(40)
  metrics.fanoutLatency.observe(0.0002)
  metrics.fanoutLatency.observe(0.003)
  value = await scrape(metrics)
  expect(value('chathub_messages_received_total')).toBe(2)
  expect(value('chathub_messages_delivered_total')).toBe(40)
  expect(value('chathub_fanout_latency_seconds_count')).toBe(2)
  expect(value('chathub_fanout_latency_seconds_bucket\\{le="0.0005"\\}')).toBe(1)
  expect(value('chathub_fanout_latency_seconds_bucket\\{le="0.005"\\}')).toBe(2)

  metrics.received.inc()
  metrics.commitBatch.observe(3)
  value = await scrape(metrics)
  expect(value('chathub_messages_received_total')).toBe(3)
  expect(value('chathub_messages_delivered_total')).toBe(40)
  expect(value('chathub_fanout_latency_seconds_count')).toBe(2)
  expect(value('chathub_commit_batch_size_count')).toBe(1)
  expect(value('chathub_commit_batch_size_sum')).toBe(3)
})

test('a histogram keeps every observation when more arrive between scrapes than its buffer holds', async () => {
  const metrics = createMetrics()
  const n = 10_000
  for (let i = 0; i < n; i++) metrics.commitBatch.observe(i % 2 === 0 ? 1 : 50)
  const value = await scrape(metrics)
  expect(value('chathub_commit_batch_size_count')).toBe(n)
  expect(value('chathub_commit_batch_size_sum')).toBe((n / 2) * 51)
  expect(value('chathub_commit_batch_size_bucket\\{le="1"\\}')).toBe(n / 2)
})
