// Operations endpoints: /healthz (liveness + database) and /metrics (Prometheus text format; behind
// server.metricsToken when one is set).
import type { FastifyInstance } from 'fastify'
import { type BackgroundCheck, startIntegrityCheck } from '#core/db/integrity'
import { storageHealth } from '#core/db/storage-health'
import type { Hub } from '#core/hub'
import { requireMetricsToken } from './bearer.ts'

export const registerOpsRoutes = (app: FastifyInstance, hub: Hub): void => {
  const ping = hub.db.$client.prepare('SELECT 1')
  const storage = storageHealth(hub.db.$client)
  storage.onChange((problem, cause) => {
    if (problem) hub.log.error({ storage: problem, err: cause instanceof Error ? cause : undefined }, 'storage failing')
    else hub.log.info('storage works again')
  })
  // A storage failure behind any route (a room creation on a full disk) shows in /healthz too.
  app.addHook('onError', async (_req, _reply, err) => {
    storage.failed(err)
  })
  // The database's quick check runs once, after listening, on a worker thread (core/db/integrity.ts).
  let check: BackgroundCheck | undefined
  app.addHook('onListen', async () => {
    check ??= startIntegrityCheck(hub.db.$client.name, (problems) => {
      if (problems.length === 0) hub.log.info('database quick check passed')
      storage.checked(problems)
    })
  })
  app.addHook('onClose', async () => {
    await check?.stop()
  })
  app.get('/healthz', async (_req, reply) => {
    if (hub.draining) return reply.code(503).send({ status: 'draining' })
    try {
      ping.get()
    } catch (err) {
      if (!storage.failed(err)) throw err
    }
    // Full, failing or damaged storage: 503 with its CHATHUB_STORAGE_* code and since when.
    const problem = storage.problem()
    if (problem) return reply.code(503).send({ status: 'failing', storage: problem, connections: hub.connections.size })
    return { status: 'ok', connections: hub.connections.size }
  })
  app.get('/metrics', async (req, reply) => {
    requireMetricsToken(hub, req, reply)
    hub.metrics.commitQueue.set(hub.pipeline.queued)
    return reply.type(hub.metrics.registry.contentType).send(await hub.metrics.registry.metrics())
  })
}
