// Secrets in request URLs never reach the log, while the request itself still does: a WebSocket
// `?token=`, an incoming webhook's secret path segment (matched or not), and other query values with
// a secret's name or a token's look. The hub's own log lines are captured by startHub.
import { afterEach, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { redactUrl } from '#core/http/request-log'
import { createHook } from '#plugins/webhooks/admin'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { callFrom } from './http-from.ts'
import { wsUrlOf } from './support.ts'

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})

/** The URLs of the request log's "incoming request" lines. */
const loggedUrls = (h: TestHub): string[] =>
  h.logs
    .filter((l) => l.msg === 'incoming request')
    .map((l) => String((l.req as { url?: unknown } | undefined)?.url))

describe('the request log', () => {
  test('a WebSocket ?token= is redacted; the request is logged', async () => {
    const h = (hub = await startHub({ log: { level: 'trace' } }))
    const token = h.token('alice')
    const ws = new WebSocket(`${wsUrlOf(h.url)}?token=${token}&v=1`)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    ws.close()
    await new Promise((resolve) => ws.once('close', resolve))
    expect(loggedUrls(h)).toContain('/api/v1/ws?token=[Redacted]&v=1')
    const text = JSON.stringify(h.logs)
    expect(text).not.toContain(token)
    expect(text).not.toContain(token.slice(4))
  })

  test("an incoming webhook's secret is redacted, on its route and on a URL no route matched", async () => {
    const h = (hub = await startHub({ log: { level: 'trace' }, plugins: { webhooks: {} } }))
    const alice = await h.connect('alice')
    await alice.create('general')
    const hook = createHook(h.hub.db, 'general', 'ci')
    const posted = await callFrom(h.url, hook.path, { body: { text: 'deployed' } })
    expect(posted.status).toBeGreaterThanOrEqual(200) // answered (200, or 503 before the link runs)
    // Wrong method and a trailing slash: no route matches, and the secret is still not logged.
    expect((await callFrom(h.url, hook.path)).status).toBe(404)
    expect((await callFrom(h.url, `${hook.path}/`, { body: { text: 'x' } })).status).toBe(404)
    const redacted = `/plugins/webhooks/in/${hook.id}/[Redacted]`
    expect(loggedUrls(h)).toEqual(expect.arrayContaining([redacted, `${redacted}/`]))
    expect(loggedUrls(h).filter((u) => u.startsWith(redacted))).toHaveLength(3)
    expect(JSON.stringify(h.logs)).not.toContain(hook.secret)
  })

  test('query values with a secret name or a token look are redacted; other values are kept', async () => {
    const h = (hub = await startHub())
    const session = h.token('alice')
    await callFrom(
      h.url,
      `/api/v1/rooms?access_token=${session}&limit=5&api_key=k1&sig=abc&q=hello`,
    )
    await callFrom(h.url, `/healthz?${session}`)
    expect(loggedUrls(h)).toEqual(
      expect.arrayContaining([
        '/api/v1/rooms?access_token=[Redacted]&limit=5&api_key=[Redacted]&sig=[Redacted]&q=hello',
        '/healthz?[Redacted]',
      ]),
    )
    expect(JSON.stringify(h.logs)).not.toContain(session.slice(4))
  })
})

describe('redactUrl', () => {
  test('route parameters named like secrets, tokens on unmatched paths, secret query names', () => {
    expect(redactUrl('/in/abc/s3cr3t', '/in/:id/:secret')).toBe('/in/abc/[Redacted]')
    expect(redactUrl('/rooms/general/history?before=120&limit=50', '/rooms/:room/history')).toBe(
      '/rooms/general/history?before=120&limit=50',
    )
    expect(redactUrl('/x/aB3dE5gH7jK9mN1pQ3sT5vX7z', undefined)).toBe('/x/[Redacted]')
    expect(redactUrl('/assets/app-logo.svg', undefined)).toBe('/assets/app-logo.svg')
    // A catch-all route (the browser client's /*) matches anything: as if unmatched.
    expect(redactUrl('/in/abc/aB3dE5gH7jK9mN1pQ3sT5vX7z', '/*')).toBe('/in/abc/[Redacted]')
    expect(redactUrl('/rooms/general', '/*')).toBe('/rooms/general')
    expect(redactUrl('/cb?code=1234&state=ok&Password=x&TOKEN=y', '/cb')).toBe(
      '/cb?code=[Redacted]&state=ok&Password=[Redacted]&TOKEN=[Redacted]',
    )
    expect(redactUrl('/cb?access%5Ftoken=zz', '/cb')).toBe('/cb?access%5Ftoken=[Redacted]')
  })
})
