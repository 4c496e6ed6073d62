// Shutting down while clients send: the hub tells every connection (an `error` CHATHUB_SHUTTING_DOWN
// without ref), answers each frame still on its way — its ack, or CHATHUB_SHUTTING_DOWN with its ref
// and retryAfter — and only then closes with 1001. No frame is left unanswered, and every acked
// message is in the history after a restart on the same data directory.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { isChatError } from '#core/errors'
import { CloseCodes } from '#core/protocol/messages'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { rawSocket, readAllHistory, waitFor } from './support.ts'

let hub: TestHub | undefined
let dataDir: string | undefined
afterEach(async () => {
  await hub?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  hub = dataDir = undefined
})

const shuttingDown = (f: { type: string; code?: string }) =>
  f.type === 'error' && f.code === 'CHATHUB_SHUTTING_DOWN'

/** Every message of the room, read from a hub started again on the same data directory. */
const storedAfterRestart = async (): Promise<Map<string, number>> => {
  hub = await startHub({}, { dataDir })
  const reader = await hub.connect('reader')
  const stored = await readAllHistory(reader, 'room')
  const counts = new Map<string, number>()
  for (const m of stored) counts.set(m.txn ?? '', (counts.get(m.txn ?? '') ?? 0) + 1)
  return counts
}

test('frames sent while the hub closes each get their ack or CHATHUB_SHUTTING_DOWN with their ref', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'chathub-drain-'))
  hub = await startHub({}, { dataDir })
  const owner = await hub.connect('owner')
  await owner.create('room')
  const raw = await rawSocket(hub.url)
  await raw.auth(hub.token('bob'))
  raw.ws.send(JSON.stringify({ type: 'join', ref: 'join', room: 'room' }))
  await raw.next((f) => f.type === 'ack' && f.ref === 'join')

  // Send until the hub says it is going away (as a client should), or the socket closes.
  let stop = false
  void raw
    .next((f) => shuttingDown(f) && !('ref' in f), 30_000)
    .then(
      () => (stop = true),
      () => {},
    )
  void raw.closed.then(() => (stop = true))
  const sent: string[] = []
  const sending = (async () => {
    for (let i = 0; !stop && raw.ws.readyState === raw.ws.OPEN; i++) {
      const ref = `s${i}`
      raw.ws.send(JSON.stringify({ type: 'say', ref, room: 'room', text: `m${i}`, txn: `t${i}` }))
      sent.push(ref)
      if (i % 4 === 3) await new Promise((r) => setImmediate(r))
    }
  })()
  await waitFor(() => sent.length >= 200)
  const closing = hub.close()
  expect(await raw.closed).toBe(CloseCodes.goingAway)
  await Promise.all([sending, closing])
  hub = undefined

  const answers = new Map(
    raw.frames.flatMap((f) =>
      (f.type === 'ack' || f.type === 'error') && f.ref ? [[f.ref, f] as const] : [],
    ),
  )
  const unanswered = sent.filter((ref) => !answers.has(ref))
  expect(unanswered).toEqual([])
  const refused = sent.filter((ref) => answers.get(ref)?.type === 'error')
  expect(refused.length).toBeGreaterThan(0)
  for (const ref of refused) {
    expect(answers.get(ref)).toMatchObject({ code: 'CHATHUB_SHUTTING_DOWN', retryAfter: 1 })
  }
  // The notice came once, before the close, without a ref.
  expect(raw.frames.filter((f) => shuttingDown(f) && !('ref' in f))).toHaveLength(1)

  // Acked: stored exactly once. Refused: not stored.
  const stored = await storedAfterRestart()
  for (const ref of sent) {
    expect(stored.get(`t${ref.slice(1)}`) ?? 0, ref).toBe(answers.get(ref)?.type === 'ack' ? 1 : 0)
  }
})

test('SDK clients sending while the hub closes: every send settles with its ack or CHATHUB_SHUTTING_DOWN', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'chathub-drain-'))
  hub = await startHub({}, { dataDir })
  const owner = await hub.connect('owner')
  await owner.create('room')
  // Not through hub.connect: TestHub.close() would close those before the hub.
  const clients = await Promise.all(
    ['ann', 'ben', 'cat'].map((n) => ChatClient.connect(hub!.url, hub!.token(n))),
  )
  for (const c of clients) await c.join('room')

  const outcomes: { txn: string; result: string }[] = []
  const sender = async (c: ChatClient, name: string) => {
    const inFlight = new Set<Promise<void>>()
    for (let i = 0; ; i++) {
      const txn = `${name}-${i}`
      const p: Promise<void> = c.say('room', txn, { txn }).then(
        () => void outcomes.push({ txn, result: 'ack' }),
        (err: unknown) =>
          void outcomes.push({ txn, result: isChatError(err) ? err.code : String(err) }),
      )
      inFlight.add(p)
      void p.finally(() => inFlight.delete(p))
      // Up to four sends in flight; stop at the first refusal.
      if (inFlight.size >= 4) await Promise.race(inFlight)
      if (outcomes.some((o) => o.txn.startsWith(name) && o.result !== 'ack')) break
    }
    await Promise.all(inFlight)
  }
  const sending = clients.map((c, i) => sender(c, ['ann', 'ben', 'cat'][i] ?? ''))
  await waitFor(() => outcomes.length >= 300)
  const closes = clients.map((c) => c.closed(10_000))
  await hub.close()
  hub = undefined
  expect(await Promise.all(closes)).toEqual(clients.map(() => CloseCodes.goingAway))
  await Promise.all(sending)

  const results = new Set(outcomes.map((o) => o.result))
  expect([...results].sort()).toEqual(['CHATHUB_SHUTTING_DOWN', 'ack'])
  const stored = await storedAfterRestart()
  for (const o of outcomes) expect(stored.get(o.txn) ?? 0, o.txn).toBe(o.result === 'ack' ? 1 : 0)
  await Promise.all(clients.map((c) => c.close()))
})
