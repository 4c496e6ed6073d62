// Graceful shutdown of the whole `chathub serve` process: SIGTERM while clients send closes them with
// 1001 (going away), the process exits 0, and every acked message is in history after a restart.
// Also the plain-HTTP warning: printed for a non-loopback bind without TLS, not for 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { issueSession } from '#core/auth/session-store'
import { ChatClient } from '#core/client/sdk'
import { DB_FILE, openDb } from '#core/db/client'
import { CloseCodes } from '#core/protocol/messages'
import { insertUser } from '#core/users/queries'
import { serve, type ServeProcess } from '#test/helpers/serve-process'
import { readAllHistory, waitFor } from './support.ts'

const SENDERS = ['ann', 'ben', 'cat']
const FAST = {
  CHATHUB_LIMITS_MESSAGES_PER_SECOND: '100000',
  CHATHUB_LIMITS_MESSAGE_BURST: '100000',
}
const PLAIN_HTTP = /serving plain HTTP/

const running: ServeProcess[] = []
const dirs: string[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.proc.kill('SIGKILL')
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const start = async (options: Parameters<typeof serve>[0]) => {
  const p = await serve(options)
  running.push(p)
  return p
}
const dataDirWith = (names: string[]) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chathub-term-'))
  dirs.push(dataDir)
  const db = openDb(join(dataDir, DB_FILE))
  const tokens = Object.fromEntries(
    names.map((name) => [
      name,
      issueSession(db, insertUser(db, { name, passwordHash: null }).id, { ttlMs: 3600_000 }).token,
    ]),
  )
  db.$client.close()
  return { dataDir, tokens: (name: string) => tokens[name] ?? '' }
}

test(
  'SIGTERM: clients closed with 1001, exit code 0, every acked message kept',
  { timeout: 20_000 },
  async () => {
    const { dataDir, tokens } = dataDirWith(SENDERS)
    const first = await start({ dataDir, env: FAST })
    const clients = await Promise.all(SENDERS.map((n) => ChatClient.connect(first.url, tokens(n))))
    await clients[0]?.create('room')
    for (const c of clients) await c.join('room')

    const acked = new Map<number, string>()
    const sender = async (c: ChatClient, name: string) => {
      for (let i = 0; ; i++) {
        try {
          const ack = await c.say('room', `${name} ${i}`, { txn: `${name}-${i}` })
          acked.set(ack.seq, `${name} ${i}`)
        } catch {
          return // going away
        }
      }
    }
    const sending = clients.map((c, i) => sender(c, SENDERS[i] ?? ''))
    const until = Date.now() + 5000
    while (acked.size < 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    const closes = clients.map((c) => c.closed(8000))
    first.proc.kill('SIGTERM')
    expect(await Promise.all(closes)).toEqual(SENDERS.map(() => CloseCodes.goingAway))
    expect(await first.exited).toEqual({ code: 0, signal: null })
    await Promise.all(sending)
    expect(acked.size).toBeGreaterThanOrEqual(200)
    expect(first.stdout() + first.stderr()).not.toMatch(PLAIN_HTTP)

    const second = await start({ dataDir })
    const reader = await ChatClient.connect(second.url, tokens('ann'))
    const stored = await readAllHistory(reader, 'room')
    await reader.close()
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1))
    const bySeq = new Map(stored.map((m) => [m.seq, m.text]))
    for (const [seq, text] of acked) expect(bySeq.get(seq), `seq ${seq}`).toBe(text)
    second.proc.kill('SIGTERM')
    expect(await second.exited).toEqual({ code: 0, signal: null })
  },
)

test('serving plain HTTP on a non-loopback host warns', { timeout: 20_000 }, async () => {
  const { dataDir, tokens } = dataDirWith(['ann'])
  const open = await start({ dataDir, host: '0.0.0.0' })
  // stderr is its own pipe: the warning may arrive just after the "listening" line on stdout.
  await waitFor(() => PLAIN_HTTP.test(open.stderr()))
  expect(open.stderr()).toMatch(PLAIN_HTTP)
  // It does serve (through loopback here), and still shuts down cleanly.
  const ann = await ChatClient.connect(open.url, tokens('ann'))
  expect(ann.user).toBe('ann')
  const closed = ann.closed(8000)
  open.proc.kill('SIGTERM')
  expect(await closed).toBe(CloseCodes.goingAway)
  expect(await open.exited).toEqual({ code: 0, signal: null })
  expect(open.stdout() + open.stderr()).toMatch(PLAIN_HTTP)
})
