// Operations endpoints: /healthz (liveness + database) and /metrics (Prometheus text format).
import type { FastifyInstance } from 'fastify'
import type { Hub } from '#core/hub'

export const registerOpsRoutes = (app: FastifyInstance, hub: Hub): void => {
  const ping = hub.db.$client.prepare('SELECT 1')
  app.get('/healthz', async (_req, reply) => {
    if (hub.draining) return reply.code(503).send({ status: 'draining' })
    ping.get()
    return { status: 'ok', connections: hub.connections.size }
  })
  app.get('/metrics', async (_req, reply) => {
    hub.metrics.commitQueue.set(hub.messages.queued)
    return reply.type(hub.metrics.registry.contentType).send(await hub.metrics.registry.metrics())
  })
}
