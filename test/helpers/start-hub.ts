// startHub(): the real hub on an ephemeral port with a temp data dir, plus helpers to make users and clients.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { issueSession } from '#core/auth/session-store'
import { type ConfigInput, deepMerge, type HubConfig, resolveConfig } from '#core/config'
import { ChatClient, type ConnectOptions } from '#core/client/sdk'
import type { Hub } from '#core/hub'
import type { PluginRegistry } from '#core/plugins/contract'
import { buildServer } from '#core/server'
import { addAccount } from '#core/users/accounts'
import { findUser, insertUser } from '#core/users/queries'
import { builtinPlugins } from '#plugins/registry'

export interface TestHub {
  url: string
  hub: Hub
  config: HubConfig
  dataDir: string
  /** Every log line written, parsed (level, msg, ...). */
  logs: Record<string, unknown>[]
  /** A user (created if missing) with a fresh session token. */
  token(name: string, options?: { admin?: boolean }): string
  /** A user with a real password (for login tests). */
  addUser(name: string, password: string, options?: { admin?: boolean }): Promise<void>
  /** A connected, authenticated client for `name` (user created if missing). */
  connect(name: string, options?: ConnectOptions & { admin?: boolean }): Promise<ChatClient>
  close(): Promise<void>
}

export const TEST_CONFIG: ConfigInput = {
  server: { host: '127.0.0.1', port: 0 },
  log: { level: 'info' },
  limits: { messagesPerSecond: 100000, messageBurst: 100000, connectionsPerAddress: 100000 },
  auth: { loginAttemptsPerAddress: 1000 },
}

export const startHub = async (
  overrides: ConfigInput = {},
  options: {
    builtins?: PluginRegistry
    dataDir?: string
    /** The clock plugins see as ctx.now (ms); e.g. `() => clock` with a `let clock` the test moves. */
    now?: () => number
  } = {},
): Promise<TestHub> => {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'chathub-test-'))
  const config = resolveConfig(deepMerge(deepMerge(TEST_CONFIG, { dataDir }), overrides))
  const logs: Record<string, unknown>[] = []
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>)
      cb()
    },
  })
  const { app, hub } = await buildServer({ config, builtins: options.builtins ?? builtinPlugins, logStream, now: options.now })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  const url = `http://127.0.0.1:${address.port}`
  await hub.plugins.listening(url)
  const clients: ChatClient[] = []

  const token = (name: string, o: { admin?: boolean } = {}) => {
    const user = findUser(hub.db, name) ?? insertUser(hub.db, { name, passwordHash: null, isAdmin: o.admin ?? false })
    return issueSession(hub.db, user.id, { ttlMs: 3600_000 }).token
  }
  return {
    url,
    hub,
    config,
    dataDir,
    logs,
    token,
    async addUser(name, password, o = {}) {
      await addAccount(hub.db, { name, password, admin: o.admin }, { minPasswordLength: 12, argon2: { memoryKiB: 19456, passes: 2 } })
    },
    async connect(name, o = {}) {
      const client = await ChatClient.connect(url, token(name, o), o)
      clients.push(client)
      return client
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()))
      await app.close()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
