// buildServer(): one Fastify instance with the HTTP API, the WebSocket gateway, the plugins and the
// browser client. No listen.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fastifyCookie from '@fastify/cookie'
import Fastify, { type FastifyInstance } from 'fastify'
import { registerAttachmentRoutes } from '#core/attachments/routes'
import { startAttachmentSweeper } from '#core/attachments/sweeper'
import { proxyTrust } from '#core/auth/trusted-proxies'
import { watchChanges } from '#core/changes/watcher'
import type { HubConfig } from '#core/config'
import { registerGateway } from '#core/connections/gateway'
import { startCheckpointer } from '#core/db/checkpointer'
import { assertWritableDir } from '#core/db/data-files'
import { DB_FILE, openDb } from '#core/db/client'
import { coreErrors } from '#core/errors'
import { registerAuthRoutes } from '#core/http/auth-routes'
import { registerErrorHandler } from '#core/http/error-handler'
import { registerOpsRoutes } from '#core/http/ops-routes'
import { serializeRequest } from '#core/http/request-log'
import { registerRoomRoutes } from '#core/http/room-routes'
import { startSearchIndexer } from '#core/search/indexer'
import { registerSearchRoutes } from '#core/search/routes'
import { Hub } from '#core/hub'
import { loadServerKey } from '#core/keys/server-key'
import { logOutput } from '#core/logging/output'
import { createAuthApi } from '#core/plugins/auth-api'
import { createHubApi } from '#core/plugins/hub-api'
import type { PluginRegistry } from '#core/plugins/contract'
import { CloseCodes } from '#core/protocol/messages'
import { warmFrameCheckers } from '#core/protocol/validate'
import { startRetentionSweeper } from '#core/retention/sweeper'
import { originPolicy } from '#core/web/origin'
import { registerSecurityHeaders } from '#core/web/security-headers'
import { registerWebClient, type WebClient } from '#core/web/static-client'

/**
 * Log paths that may hold secrets; pino replaces them with [Redacted]. Secrets in request URLs
 * (?token=, an incoming webhook's secret path) are replaced by the `req` serializer (request-log.ts).
 */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  'token',
  'secret',
  'code',
  '*.password',
  '*.token',
  '*.secret',
  '*.serverKey',
  'config.serverKey',
  '*.metricsToken',
  'config.server.metricsToken',
]

export interface BuildOptions {
  config: HubConfig
  /** Plugins that can be enabled by name (the CLI passes plugins/registry.ts). */
  builtins?: PluginRegistry
  /** A pino destination stream (tests capture logs with it); default: log.file, or stderr. */
  logStream?: NodeJS.WritableStream
  /**
   * The clock plugins get as ctx.now (ms since epoch), also used for attachment upload times, the
   * attachment sweep's TTL and the retention sweep's cutoff; tests inject one (TOTP, attachment
   * expiry, retention). Default Date.now.
   */
  now?: () => number
}

export interface Server {
  app: FastifyInstance
  hub: Hub
  serverKeyCreated: boolean
  /** Where the browser client is served from, and whether it was built; undefined with web.enabled false. */
  web: WebClient | undefined
}

export { DB_FILE } from '#core/db/client'

export const buildServer = async (options: BuildOptions): Promise<Server> => {
  const { config } = options
  const https =
    config.server.tlsCert && config.server.tlsKey
      ? { cert: readTls(config.server.tlsCert), key: readTls(config.server.tlsKey) }
      : null
  const logger = {
    level: config.log.level,
    redact: { paths: REDACT, censor: '[Redacted]' },
    serializers: { req: serializeRequest },
    stream: options.logStream ?? logOutput({ file: config.log.file }),
  }
  const app = Fastify({
    logger,
    https,
    trustProxy: proxyTrust(config.server),
    bodyLimit: 1024 * 1024,
  }) as unknown as FastifyInstance
  // A web.allowedOrigins entry that is not an origin stops the start here, with the other config errors.
  const origins = originPolicy(config)
  // First, so that every route and every answer (errors, 404s) has them: headers, parsed cookies.
  registerSecurityHeaders(app)
  await app.register(fastifyCookie)
  // Before the key is made there: an unwritable data dir is refused with its code, not a raw EPERM.
  assertWritableDir(config.dataDir)
  const serverKey = loadServerKey(config.dataDir, config.serverKey)
  const db = openDb(join(config.dataDir, DB_FILE), { synchronous: config.db.synchronous })
  const hub = new Hub(config, db, app.log, serverKey.key, origins)
  registerErrorHandler(app)
  registerOpsRoutes(app, hub)
  if (config.server.trustProxy) {
    app.log.warn(
      { trustedProxies: proxyTrust(config.server) },
      'server.trustProxy is deprecated and trusts only proxies on this machine; list yours in server.trustedProxies',
    )
  }
  registerAuthRoutes(app, hub, { now: options.now })
  registerRoomRoutes(app, hub)
  registerSearchRoutes(app, hub)
  const attachments = registerAttachmentRoutes(app, hub, { now: options.now })
  await registerGateway(app, hub)
  const web = await registerWebClient(app, config.web)
  // Frame validators compile when first needed; once listening, the rest compile in the background.
  app.addHook('onListen', async () => warmFrameCheckers())
  // ts-mls (E2E rooms) likewise: loaded once listening, not on the way to it.
  app.addHook('onListen', async () => hub.e2e.warm())
  const stopWatching = watchChanges(hub)

  try {
    await hub.plugins.start({
      enabled: config.plugins,
      builtins: options.builtins ?? {},
      db,
      log: app.log,
      dataDir: config.dataDir,
      serverKey: serverKey.key,
      auth: createAuthApi(hub),
      hub: createHubApi(hub),
      now: options.now,
    })
  } catch (err) {
    // Boot failed: release what is open (plugins set up so far, timers, the database) before reporting.
    stopWatching()
    await hub.plugins.close()
    await app.close().catch(() => undefined)
    db.$client.close()
    throw err
  }
  for (const { plugin, runtime } of hub.plugins.runtimes()) {
    if (runtime.routes) {
      const routes = runtime.routes.bind(runtime)
      await app.register(async (scope) => routes(scope), { prefix: `/plugins/${plugin.name}` })
    }
  }

  const checkpointer = startCheckpointer(db.$client)
  // Expired uploads, attachments of deleted messages and unreferenced files (attachments.sweepIntervalSeconds).
  const attachmentSweeper = startAttachmentSweeper(hub, attachments.store, options.now)
  // Messages past their room's retention (retention.sweepIntervalSeconds), then their files.
  const retentionSweeper = startRetentionSweeper(hub, attachments.store, options.now)
  // New messages into the full-text index, in batches (a search catches up by itself first).
  const searchIndexer = startSearchIndexer(hub.search.index, app.log)

  // Shutdown: stop taking frames, commit what is queued (acks and fan-out go out), then say goodbye.
  app.addHook('preClose', async () => {
    hub.draining = true
    hub.pipeline.flush()
    for (const conn of [...hub.connections]) conn.close(CloseCodes.goingAway, 'server shutting down')
    // Node's server.close() waits for keep-alive sockets; one that finished a response just as the
    // close began is not seen as idle and would hold the shutdown for the whole keep-alive timeout
    // (fastify/fastify#7044). Requests still running get a short grace, then every socket is cut.
    setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref()
  })
  app.addHook('onClose', async () => {
    stopWatching()
    hub.rooms.close()
    hub.reads.close()
    await retentionSweeper.stop()
    await attachmentSweeper.stop()
    searchIndexer.stop()
    await hub.plugins.close()
    hub.pipeline.flush()
    await checkpointer.close()
    db.$client.close()
  })
  return { app, hub, serverKeyCreated: serverKey.created, web }
}

/** How long HTTP requests still running at shutdown may take before their sockets are closed. */
const SHUTDOWN_GRACE_MS = 3000

const readTls = (file: string): Buffer => {
  try {
    return readFileSync(file)
  } catch {
    throw coreErrors.configInvalid(`  server.tlsCert/tlsKey: cannot read ${file}`)
  }
}
