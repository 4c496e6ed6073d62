// The webhooks bridge: incoming Slack-style posts (and their errors), outgoing signed POSTs to a local
// receiver with retries and a delivery log, both through the real hub and the real CLI.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { allStatus } from '#core/bridges/queries'
import { verifySignature } from '#plugins/webhooks/signing'
import { json, runCli } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { waitUntil } from '#test/plugins/irc/support'

const SECRET = 'test-signing-secret-0123456789'

interface Received {
  headers: IncomingMessage['headers']
  body: string
  payload: Record<string, unknown>
}

/** A local HTTP receiver; `fail` answers the next N requests with 500 (or `down` refuses them all). */
class Receiver {
  readonly got: Received[] = []
  fail = 0
  down = false
  private server!: Server
  url = ''
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        if (this.down || this.fail > 0) {
          this.fail = Math.max(0, this.fail - 1)
          res.writeHead(500).end('nope')
          return
        }
        this.got.push({
          headers: req.headers,
          body,
          payload: JSON.parse(body) as Record<string, unknown>,
        })
        res.writeHead(200).end('ok')
      })
    })
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    const address = this.server.address()
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`
  }
  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((r) => this.server.close(() => r()))
  }
}

describe('webhooks bridge', () => {
  let hub: TestHub
  let receiver: Receiver
  let configFile: string
  const cli = (...args: string[]) =>
    runCli([...args, '--config', configFile, '--data-dir', hub.dataDir, '--json'])

  beforeEach(async () => {
    receiver = new Receiver()
    await receiver.start()
    const webhooks = {
      signingSecret: SECRET,
      // The receiver listens on 127.0.0.1: loopback destinations must be allowed explicitly.
      allowPrivateDestinations: true,
      links: [{ room: 'general', target: `webhook:${receiver.url}` }],
      maxBodyBytes: 1024,
      incomingBurst: 30,
      incomingPerMinute: 60,
      retries: 3,
      retryMinMs: 20,
      retryMaxMs: 50,
      reconnectMinMs: 100,
      reconnectMaxMs: 200,
      pollMs: 100,
    }
    hub = await startHub({ plugins: { webhooks } })
    configFile = join(hub.dataDir, 'chathub.json')
    writeFileSync(configFile, JSON.stringify({ dataDir: hub.dataDir, plugins: { webhooks } }))
  })
  afterEach(async () => {
    await hub.close()
    await receiver.close()
  })

  const setup = async () => {
    const alice = await hub.connect('alice')
    await alice.create('general')
    await alice.join('general')
    await waitUntil(async () =>
      (await alice.members('general')).members.some((m) => m.user === 'webhook-bridge' && m.online),
    )
    return alice
  }

  const createHook = async (name: string) => {
    const res = await cli('webhook', 'create', 'general', '--name', name)
    expect(res.code).toBe(0)
    const hook = json<{ url: string; id: string }>(res)
    // The URL points at the config's server address; the test hub listens elsewhere.
    const path = new URL(hook.url).pathname
    const post = (body: string, type = 'application/json') =>
      fetch(new URL(path, hub.url), { method: 'POST', headers: { 'content-type': type }, body })
    // The running hub picks the new link up by polling.
    await waitUntil(
      async () => (await post('{"text": " "}')).status !== 503,
      5000,
      'incoming link running',
    )
    return { ...hook, path, post }
  }

  test('incoming: Slack-style JSON posts into the room as <username>@webhook', async () => {
    const alice = await setup()
    const hook = await createHook('ci')
    const res = await hook.post(JSON.stringify({ text: 'build *passed*', username: 'jenkins' }))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, room: 'general' })
    expect(await alice.next('message', (f) => f.from === 'jenkins@webhook')).toMatchObject({
      text: 'build *passed*',
      via: 'webhook-bridge',
    })
    // No username: the hook's name; form-encoded payload= works too (Slack's other format).
    const form = new URLSearchParams({
      payload: JSON.stringify({ text: 'from a form' }),
    }).toString()
    expect((await hook.post(form, 'application/x-www-form-urlencoded')).status).toBe(200)
    expect(await alice.next('message', (f) => f.from === 'ci@webhook')).toMatchObject({
      text: 'from a form',
    })
  })

  test('incoming errors: bad JSON, bad payload, wrong secret, oversized body, floods', async () => {
    await setup()
    const hook = await createHook('ci')
    const code = async (res: Response) => ({
      status: res.status,
      code: ((await res.json()) as { code: string }).code,
    })

    expect(await code(await hook.post('{"text": "unterminated'))).toEqual({
      status: 400,
      code: 'WEBHOOKS_JSON_INVALID',
    })
    expect(await code(await hook.post('{"username": "x"}'))).toEqual({
      status: 400,
      code: 'WEBHOOKS_PAYLOAD_INVALID',
    })
    expect(await code(await hook.post('[1, 2]'))).toEqual({
      status: 400,
      code: 'WEBHOOKS_PAYLOAD_INVALID',
    })
    const wrong = hook.path.replace(/[^/]+$/, 'not-the-secret')
    const bad = await fetch(new URL(wrong, hub.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"x"}',
    })
    expect(await code(bad)).toEqual({ status: 401, code: 'WEBHOOKS_SECRET_INVALID' })
    const unknown = await fetch(new URL('/plugins/webhooks/in/nosuchhook1/secret', hub.url), {
      method: 'POST',
      body: '{"text":"x"}',
    })
    expect(await code(unknown)).toEqual({ status: 401, code: 'WEBHOOKS_SECRET_INVALID' })
    expect(await code(await hook.post(JSON.stringify({ text: 'x'.repeat(2000) })))).toEqual({
      status: 413,
      code: 'WEBHOOKS_BODY_TOO_LARGE',
    })

    const statuses: number[] = []
    for (let i = 0; i < 40; i++)
      statuses.push((await hook.post(JSON.stringify({ text: `flood ${i}` }))).status)
    expect(statuses).toContain(429)
    const limited = await hook.post(JSON.stringify({ text: 'one more' }))
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await limited.json()) as { code: string }).code).toBe('WEBHOOKS_RATE_LIMITED')
  })

  test('outgoing: room messages are POSTed signed, edits and reactions follow, and nothing echoes back', async () => {
    const alice = await setup()
    const hook = await createHook('ci')
    const sent = await alice.say('general', 'hello receiver')
    await waitUntil(() => receiver.got.length >= 1, 5000, 'a delivery')
    const [first] = receiver.got
    expect(first?.payload).toMatchObject({
      type: 'message',
      room: 'general',
      seq: sent.seq,
      from: 'alice',
      text: 'hello receiver',
    })
    const signature = String(first?.headers['x-chathub-signature'])
    const timestamp = String(first?.headers['x-chathub-timestamp'])
    expect(verifySignature(SECRET, { signature, timestamp }, first?.body ?? '')).toBe(true)
    expect(
      verifySignature('another-secret-entirely', { signature, timestamp }, first?.body ?? ''),
    ).toBe(false)
    expect(verifySignature(SECRET, { signature, timestamp }, `${first?.body} `)).toBe(false)

    await alice.edit('general', sent.seq, 'hello, receiver')
    await waitUntil(() => receiver.got.length >= 2, 5000, 'the edit')
    expect(receiver.got[1]?.payload).toMatchObject({
      type: 'edited',
      seq: sent.seq,
      text: 'hello, receiver',
    })

    // Reactions go out as events of their own, added and taken back.
    await alice.react('general', sent.seq, '🎉')
    await alice.react('general', sent.seq, '🎉', { remove: true })
    await waitUntil(() => receiver.got.length >= 4, 5000, 'the reactions')
    expect(receiver.got.slice(2, 4).map((g) => g.payload)).toEqual([
      { type: 'reaction', room: 'general', seq: sent.seq, user: 'alice', emoji: '🎉', added: true },
      { type: 'reaction', room: 'general', seq: sent.seq, user: 'alice', emoji: '🎉', added: false },
    ])

    // A message that came in through a webhook goes out to the other link (hub <-> webhook relay) once.
    await hook.post(JSON.stringify({ text: 'from ci', username: 'jenkins' }))
    await waitUntil(() => receiver.got.length >= 5, 5000, 'the relayed message')
    expect(receiver.got[4]?.payload).toMatchObject({
      type: 'message',
      from: 'jenkins@webhook',
      text: 'from ci',
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(receiver.got).toHaveLength(5)
    const history = (await alice.history('general')).messages.map((m) => m.text)
    expect(history).toEqual(['hello, receiver', 'from ci'])
  })

  test('outgoing retries with back-off, queues while the receiver is down, and logs every delivery', async () => {
    const alice = await setup()
    receiver.fail = 2
    const a = await alice.say('general', 'retried')
    await waitUntil(() => receiver.got.length >= 1, 5000, 'delivery after retries')

    receiver.down = true
    for (let i = 0; i < 5; i++) await alice.say('general', `while down ${i}`)
    await waitUntil(() => allStatus(hub.hub.db)[0]?.state === 'down', 5000, 'link down')
    expect(allStatus(hub.hub.db)[0]?.queueLength).toBeGreaterThanOrEqual(5)
    receiver.down = false
    await waitUntil(() => receiver.got.length >= 6, 10_000, 'queue delivered')
    expect(receiver.got.map((r) => r.payload.text)).toEqual([
      'retried',
      ...Array.from({ length: 5 }, (_, i) => `while down ${i}`),
    ])

    const res = await cli('webhook', 'deliveries', 'general')
    expect(res.code).toBe(0)
    const log =
      json<{ seq: number; status: string; attempts: number; httpStatus: number | null }[]>(res)
    expect(log.find((d) => d.seq === a.seq)).toMatchObject({
      status: 'delivered',
      attempts: 3,
      httpStatus: 200,
    })
    expect(log.filter((d) => d.status === 'delivered')).toHaveLength(6)
    expect(log.find((d) => d.seq === a.seq + 1)?.attempts).toBeGreaterThan(1)

    const list = json<{ target: string; state: string; queueLength: number }[]>(
      await cli('bridge', 'list'),
    )
    expect(list.find((l) => l.target === `webhook:${receiver.url}`)).toMatchObject({
      state: 'connected',
      queueLength: 0,
    })
  })
})
