// Where outgoing webhooks may go: redirects are never followed (the delivery fails with a code), and
// loopback, link-local and private destinations are refused — by address at link time, by the
// addresses a name resolves to at delivery time — unless the config allows them.
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { parseWebhookAddress, WebhooksConfig } from '#plugins/webhooks/admin'
import { listDeliveries } from '#plugins/webhooks/admin'
import { compile } from '#core/schema/validator'
import { json, runCli } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { waitUntil } from '#test/plugins/irc/support'

const SECRET = 'test-signing-secret-0123456789'

/** A receiver on 127.0.0.1 that records bodies; `answer` decides the status and headers. */
class Receiver {
  readonly got: string[] = []
  answer: (body: string) => { status: number; headers?: Record<string, string> } = () => ({
    status: 200,
  })
  private readonly server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      this.got.push(body)
      const { status, headers } = this.answer(body)
      res.writeHead(status, headers).end('ok')
    })
  })
  port = 0
  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }
  url(host = '127.0.0.1'): string {
    return `http://${host}:${this.port}/hook`
  }
  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((r) => this.server.close(() => r()))
  }
}

/** The plugin config as the hub would validate it (defaults filled). */
const configOf = (input: Record<string, unknown>): WebhooksConfig => {
  const value = structuredClone(input)
  const checker = compile(WebhooksConfig)
  if (!checker.check(value)) throw new Error(checker.problems().join('; '))
  return value as WebhooksConfig
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

describe('outgoing webhook destinations', () => {
  const cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  const hubWith = async (webhooks: Record<string, unknown>): Promise<TestHub> => {
    const hub = await startHub({
      plugins: {
        webhooks: {
          signingSecret: SECRET,
          retries: 2,
          retryMinMs: 20,
          retryMaxMs: 40,
          reconnectMinMs: 100,
          reconnectMaxMs: 200,
          pollMs: 100,
          ...webhooks,
        },
      },
    })
    cleanup.push(() => hub.close())
    return hub
  }
  const receiver = async (): Promise<Receiver> => {
    const r = await new Receiver().start()
    cleanup.push(() => r.close())
    return r
  }
  const room = async (hub: TestHub) => {
    const alice = await hub.connect('alice')
    await alice.create('general')
    await alice.join('general')
    await waitUntil(
      async () =>
        (await alice.members('general')).members.some(
          (m) => m.user === 'webhook-bridge' && m.online,
        ),
      10_000,
      'webhook link online',
    )
    return alice
  }

  test('special-purpose addresses are refused at link time unless allowed', async () => {
    const strict = configOf({ signingSecret: SECRET })
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://127.8.9.10/hook',
      'http://[::1]:8080/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/hook',
      'http://172.20.0.1/hook',
      'http://192.168.1.1/hook',
      'http://[fd00::1]/hook',
      'http://[fe80::1]/hook',
      'http://0.0.0.0/hook',
    ]) {
      expect(
        codeOf(() => parseWebhookAddress(strict, url)),
        url,
      ).toBe('WEBHOOKS_DESTINATION_REFUSED')
    }
    expect(codeOf(() => parseWebhookAddress(strict, 'https://93.184.215.14/hook'))).toBeUndefined()
    // Allowed: everything with the switch, or what the allow-list names.
    const open = configOf({ signingSecret: SECRET, allowPrivateDestinations: true })
    expect(codeOf(() => parseWebhookAddress(open, 'http://127.0.0.1:8080/hook'))).toBeUndefined()
    const listed = configOf({ signingSecret: SECRET, allowDestinations: ['10.1.0.0/16', '::1'] })
    expect(codeOf(() => parseWebhookAddress(listed, 'http://10.1.2.3/hook'))).toBeUndefined()
    expect(codeOf(() => parseWebhookAddress(listed, 'http://[::1]/hook'))).toBeUndefined()
    expect(codeOf(() => parseWebhookAddress(listed, 'http://10.2.0.1/hook'))).toBe(
      'WEBHOOKS_DESTINATION_REFUSED',
    )

    // The same through the real CLI: `bridge link` refuses it with the code.
    const hub = await hubWith({})
    await (await hub.connect('alice')).create('general')
    const configFile = join(hub.dataDir, 'chathub.json')
    writeFileSync(
      configFile,
      JSON.stringify({ dataDir: hub.dataDir, plugins: { webhooks: { signingSecret: SECRET } } }),
    )
    const res = await runCli([
      'bridge',
      'link',
      'general',
      'webhook:http://127.0.0.1:9/hook',
      '--config',
      configFile,
      '--data-dir',
      hub.dataDir,
      '--json',
    ])
    expect(res.code).toBe(1)
    expect(json<{ error: { code: string } }>(res).error.code).toBe('WEBHOOKS_DESTINATION_REFUSED')
  })

  test('a name that resolves to the loopback is refused at delivery, with the code; allowed with the option', async () => {
    const target = await receiver()
    // `localhost` passes the link-time check (it is a name); its addresses are checked at connect.
    const link = { room: 'general', target: `webhook:${target.url('localhost')}` }
    const hub = await hubWith({ links: [link] })
    const alice = await room(hub)
    const sent = await alice.say('general', 'to the loopback')
    await waitUntil(
      () =>
        listDeliveries(hub.hub.db, 'general', 10).some(
          (d) => d.seq === sent.seq && d.status === 'failed',
        ),
      10_000,
      'delivery refused',
    )
    expect(listDeliveries(hub.hub.db, 'general', 10)).toEqual([
      expect.objectContaining({
        seq: sent.seq,
        status: 'failed',
        code: 'WEBHOOKS_DESTINATION_REFUSED',
        httpStatus: null,
        attempts: 1,
      }),
    ])
    // The refusal happens before any connection: the receiver never heard of it.
    expect(target.got).toEqual([])

    // The same link with the switch on delivers.
    const open = await hubWith({ links: [link], allowPrivateDestinations: true })
    const bob = await room(open)
    await bob.say('general', 'allowed now')
    await waitUntil(() => target.got.length === 1, 10_000, 'delivery')
    expect(JSON.parse(target.got[0] ?? '{}')).toMatchObject({ text: 'allowed now' })
  })

  test('a redirect is not followed: the delivery fails with the code, the next one goes', async () => {
    const elsewhere = await receiver()
    const target = await receiver()
    target.answer = (body) =>
      body.includes('move along')
        ? { status: 302, headers: { location: elsewhere.url() } }
        : { status: 200 }
    const hub = await hubWith({
      links: [{ room: 'general', target: `webhook:${target.url()}` }],
      allowPrivateDestinations: true,
    })
    const alice = await room(hub)
    const moved = await alice.say('general', 'move along')
    const sentinel = await alice.say('general', 'after the redirect')
    // In order: once the sentinel arrived, the redirect was answered and not followed.
    await waitUntil(
      () => target.got.some((b) => b.includes('after the redirect')),
      10_000,
      'sentinel',
    )
    expect(elsewhere.got).toEqual([])
    const log = listDeliveries(hub.hub.db, 'general', 10)
    expect(log.find((d) => d.seq === moved.seq)).toMatchObject({
      status: 'failed',
      httpStatus: 302,
      code: 'WEBHOOKS_REDIRECT_NOT_FOLLOWED',
      attempts: 1,
    })
    expect(log.find((d) => d.seq === moved.seq)?.lastError).toContain(elsewhere.url())
    expect(log.find((d) => d.seq === sentinel.seq)).toMatchObject({ status: 'delivered' })
  })
})
