// Durability, end to end: the real `chathub serve` process is SIGKILLed while clients send as fast
// as acks allow; after a restart on the same data dir, every acked message is in history, gap-free.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, test } from 'vitest'
import { issueSession } from '#core/auth/session-store'
import { ChatClient } from '#core/client/sdk'
import { openDb } from '#core/db/client'
import { DB_FILE } from '#core/server'
import { insertUser } from '#core/users/queries'
import { readAllHistory, sendGarbage } from './support.ts'

const RUN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url))
const SENDERS = ['ann', 'ben', 'cat', 'dan']

let proc: ChildProcess | undefined
let dataDir = ''
afterEach(() => {
  proc?.kill('SIGKILL')
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

/** Start `chathub serve` on a free port; resolves with its URL once it prints it. */
const serve = (): Promise<{ url: string; proc: ChildProcess }> => {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CHATHUB_')),
  )
  const child = spawn(process.execPath, [RUN, 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: dataDir,
    env: {
      ...env,
      CHATHUB_LIMITS_MESSAGES_PER_SECOND: '100000',
      CHATHUB_LIMITS_MESSAGE_BURST: '100000',
      CHATHUB_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  proc = child
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /chathub listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m?.[1]) resolve({ url: m[1], proc: child })
    })
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    child.once('exit', (code) =>
      reject(new Error(`serve exited (${code}) before listening:\n${out}\n${err}`)),
    )
  })
}

test(
  'every acked message survives SIGKILL of the server process mid-stream',
  { timeout: 60_000 },
  async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chathub-kill-'))
    const db = openDb(join(dataDir, DB_FILE))
    const tokens = Object.fromEntries(
      SENDERS.map((name) => [
        name,
        issueSession(db, insertUser(db, { name, passwordHash: null }).id, { ttlMs: 3600_000 })
          .token,
      ]),
    )
    db.$client.close()

    const first = await serve()
    const clients = await Promise.all(
      SENDERS.map((n) => ChatClient.connect(first.url, tokens[n] as string)),
    )
    await clients[0]?.create('room')
    for (const c of clients.slice(1)) await c.join('room')

    const acked = new Map<number, string>()
    let stop = false
    const sender = async (c: ChatClient, name: string) => {
      for (let i = 0; !stop; i++) {
        const text = `${name} ${i}`
        try {
          const ack = await c.say('room', text, { txn: `${name}-${i}` })
          acked.set(ack.seq, text)
        } catch {
          return // the server is gone
        }
      }
    }
    const sending = clients.map((c, i) => sender(c, SENDERS[i] as string))
    // Kill it while every sender has a message in flight.
    const until = Date.now() + 10_000
    while (acked.size < 400 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    const exited = new Promise((r) => first.proc.once('exit', r))
    first.proc.kill('SIGKILL')
    await exited
    stop = true
    // A send in flight stays in the SDK's outbox for a reconnect; closing the clients ends it.
    await Promise.all(clients.map((c) => c.close()))
    await Promise.all(sending)
    expect(acked.size).toBeGreaterThanOrEqual(400)

    const second = await serve()
    const reader = await ChatClient.connect(second.url, tokens.ann as string)
    await sendGarbage(reader)
    const stored = await readAllHistory(reader, 'room')
    await reader.close()
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1))
    const bySeq = new Map(stored.map((m) => [m.seq, m.text]))
    for (const [seq, text] of acked) expect(bySeq.get(seq), `seq ${seq}`).toBe(text)
  },
)
