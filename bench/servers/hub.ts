// The hub under benchmark: real buildServer() on a temp data dir with limits raised for load,
// users u0..u{N-1} who are members of room "bench". Prints {"port", "tokens"} on stdout once listening.
// Usage: hub.ts N ['{"presenceBatchMs":0}'] — the optional JSON overrides `limits`.
import './heap-probe.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { issueSession } from '#core/auth/session-store'
import { resolveConfig } from '#core/config'
import { writeTransaction } from '#core/db/client'
import { createRoom, addMember } from '#core/rooms/queries'
import { buildServer } from '#core/server'
import { insertUser } from '#core/users/queries'

const users = Number(process.argv[2] ?? '100')
const dataDir = mkdtempSync(join(tmpdir(), 'chathub-bench-'))
const config = resolveConfig({
  dataDir,
  server: { port: 0 },
  log: { level: 'warn' },
  limits: {
    messagesPerSecond: 1e9,
    messageBurst: 1e9,
    connectionsPerUser: 100000,
    connectionsPerAddress: 1000000,
    maxBufferedBytes: 64 * 1024 * 1024,
    heartbeatSeconds: 3600,
    ...(JSON.parse(process.argv[3] ?? '{}') as Record<string, number>),
  },
})
const { app, hub } = await buildServer({ config })
const tokens: string[] = []
writeTransaction(hub.db, () => {
  const owner = insertUser(hub.db, { name: 'owner', passwordHash: null })
  const room = createRoom(hub.db, { name: 'bench', isPrivate: false, topic: '', ownerId: owner.id })
  for (let i = 0; i < users; i++) {
    const user = insertUser(hub.db, { name: `u${i}`, passwordHash: null })
    addMember(hub.db, room.id, user.id)
    tokens.push(issueSession(hub.db, user.id, { ttlMs: 3600_000 }).token)
  }
})
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
if (address && typeof address === 'object') process.stdout.write(JSON.stringify({ port: address.port, tokens }) + '\n')
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
