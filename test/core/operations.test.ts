// Operations: /healthz, /metrics (Prometheus text), secrets kept out of logs, graceful shutdown
// (queued messages committed and acked, clients told "going away"), and TLS.
import { selfSignedCert } from '#test/helpers/self-signed'
import { execFileSync } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { WebSocket } from 'ws'
import { issueSession } from '#core/auth/session-store'
import { ChatClient, httpCall } from '#core/client/sdk'
import { deepMerge, resolveConfig } from '#core/config'
import { openDb } from '#core/db/client'
import { CloseCodes } from '#core/protocol/messages'
import { buildServer, DB_FILE } from '#core/server'
import { insertUser } from '#core/users/queries'
import { startHub, TEST_CONFIG, type TestHub } from '#test/helpers/start-hub'
import { refusal, sendGarbage } from './support.ts'

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})

describe('health and metrics', () => {
  test('/healthz answers ok with the connection count', async () => {
    const h = (hub = await startHub())
    const alice = await h.connect('alice')
    await sendGarbage(alice)
    const res = await fetch(`${h.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok', connections: 1 })
  })

  test('/metrics is Prometheus text with connections, messages, fan-out latency and queue sizes', async () => {
    const h = (hub = await startHub())
    const alice = await h.connect('alice')
    const bob = await h.connect('bob')
    await alice.create('room')
    await alice.join('room')
    await bob.join('room')
    for (let i = 0; i < 5; i++) await alice.say('room', `m${i}`)
    await bob.next('message', (m) => m.seq === 5)
    await sendGarbage(alice)
    const res = await fetch(`${h.url}/metrics`)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
    expect(text).toMatch(/^# TYPE chathub_connections gauge$/m)
    expect(value('chathub_connections')).toBe(2)
    expect(value('chathub_messages_received_total')).toBe(5)
    // Each message went to both followers.
    expect(value('chathub_messages_delivered_total')).toBeGreaterThanOrEqual(10)
    expect(text).toMatch(/^# TYPE chathub_fanout_latency_seconds histogram$/m)
    expect(value('chathub_fanout_latency_seconds_count')).toBe(5)
    expect(text).toMatch(/^chathub_fanout_latency_seconds_bucket\{le="\+Inf"\} 5$/m)
    expect(value('chathub_commit_queue_size')).toBe(0)
    expect(text).toMatch(/^chathub_frame_errors_total\{code="CHATHUB_FRAME_MALFORMED"\} \d+$/m)
  })
})

describe('logs', () => {
  test('passwords and tokens never appear in the logs, even at trace level', async () => {
    const h = (hub = await startHub({ log: { level: 'trace' } }))
    const password = 'hunter2 is not a good password'
    const fresh = 'an even better passphrase'
    await h.addUser('alice', password)
    const { token } = await ChatClient.login(h.url, 'alice', password)
    await refusal(ChatClient.login(h.url, 'alice', `${password}!`))
    const client = await ChatClient.connect(h.url, token)
    await sendGarbage(client)
    await httpCall(h.url, '/api/v1/me', { token })
    const { token: next } = await httpCall<{ token: string }>(h.url, '/api/v1/password', {
      token,
      body: { current: password, password: fresh },
    })
    await client.closed()
    await httpCall(h.url, '/api/v1/logout', { method: 'POST', token: next })
    await refusal(ChatClient.connect(h.url, 'chs_wrong-token-for-the-logs'))
    const text = JSON.stringify(h.logs)
    expect(h.logs.length).toBeGreaterThan(5)
    expect(text).toContain('login')
    for (const secret of [password, fresh, token, next, token.slice(4), next.slice(4)]) {
      expect(text).not.toContain(secret)
    }
  })
})

describe('graceful shutdown', () => {
  test('app.close(): queued messages are committed and acked, clients are closed with 1001', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chathub-shutdown-'))
    try {
      // Our own server (startHub's close() would close the clients first).
      const config = resolveConfig(deepMerge(TEST_CONFIG, { dataDir }))
      const { app, hub: live } = await buildServer({ config })
      await app.listen({ host: '127.0.0.1', port: 0 })
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
      const tokenOf = (name: string) =>
        issueSession(live.db, insertUser(live.db, { name, passwordHash: null }).id, {
          ttlMs: 60_000,
        }).token
      const alice = await ChatClient.connect(url, tokenOf('alice'))
      const bob = await ChatClient.connect(url, tokenOf('bob'))
      await alice.create('room')
      await bob.join('room')
      // Close the hub from inside the turn that queued alice's first messages: they are not committed yet.
      const serverSide = [...live.connections].find((c) => c.user?.name === 'alice')
        ?.ws as WebSocket
      let closing: Promise<void> | undefined
      serverSide.on('message', () => {
        if (!closing && live.pipeline.queued > 0) closing = app.close()
      })
      const sends = Array.from({ length: 200 }, (_, i) =>
        alice.say('room', `m${i}`, { txn: `t${i}` }),
      )
      const results = await Promise.allSettled(sends)
      expect(await alice.closed()).toBe(CloseCodes.goingAway)
      expect(await bob.closed()).toBe(CloseCodes.goingAway)
      await closing
      const acked = results.flatMap((r, i) =>
        r.status === 'fulfilled' ? [[r.value.seq, `m${i}`] as const] : [],
      )
      expect(acked.length).toBeGreaterThan(0)
      // The rest were answered before the close: refused, not stored, to be sent again later.
      for (const r of results) {
        if (r.status === 'rejected')
          expect((r.reason as { code: string }).code).toBe('CHATHUB_SHUTTING_DOWN')
      }
      const db = openDb(join(dataDir, DB_FILE))
      const stored = new Map(
        db.$client
          .prepare<[], { seq: number; text: string }>('SELECT seq, text FROM messages')
          .all()
          .map((r) => [r.seq, r.text]),
      )
      db.$client.close()
      for (const [seq, text] of acked) expect(stored.get(seq)).toBe(text)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('TLS', () => {
  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()
  if (!hasOpenssl) console.warn('openssl not found: skipping the TLS test')

  test.skipIf(!hasOpenssl)('with tlsCert/tlsKey the hub serves https and wss', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chathub-tls-'))
    try {
      const { certFile: cert, keyFile: key } = selfSignedCert(dir)
      const h = (hub = await startHub({ server: { tlsCert: cert, tlsKey: key } }))
      const url = h.url.replace('http:', 'https:')
      const alice = await ChatClient.connect(url, h.token('alice'), { insecure: true })
      await alice.create('room')
      expect((await alice.say('room', 'over tls')).seq).toBe(1)
      await sendGarbage(alice)
      // Certificate checks stay on unless asked: the self-signed cert is refused.
      expect((await refusal(ChatClient.connect(url, h.token('alice')))).code).toBe(
        'CHATHUB_SERVER_UNREACHABLE',
      )
      await alice.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
