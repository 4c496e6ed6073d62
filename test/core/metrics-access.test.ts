// server.metricsToken: with a token set, GET /metrics answers only requests that carry it as a bearer
// token (401 CHATHUB_METRICS_UNAUTHORIZED otherwise, session tokens included); without one it is open.
import { afterEach, describe, expect, test } from 'vitest'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { callFrom } from './http-from.ts'

const METRICS_TOKEN = 'metrics-token-4f9c2b7e1d'

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})

const metrics = (h: TestHub, authorization?: string) =>
  callFrom(h.url, '/metrics', authorization === undefined ? {} : { headers: { authorization } })

describe('/metrics access', () => {
  test('with server.metricsToken, only its bearer token opens /metrics', async () => {
    const h = (hub = await startHub({
      log: { level: 'trace' },
      server: { metricsToken: METRICS_TOKEN },
    }))
    const admin = h.token('root', { admin: true })
    for (const authorization of [
      undefined,
      'Bearer wrong-token',
      `Bearer ${METRICS_TOKEN}x`,
      `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`,
      `Bearer ${admin}`,
    ]) {
      const refused = await metrics(h, authorization)
      expect({ status: refused.status, code: refused.body.code }).toEqual({
        status: 401,
        code: 'CHATHUB_METRICS_UNAUTHORIZED',
      })
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer /)
    }

    const res = await fetch(`${h.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toMatch(/^# TYPE chathub_connections gauge$/m)
    // /healthz stays open for load balancers; the token never reaches the log.
    expect((await callFrom(h.url, '/healthz')).status).toBe(200)
    expect(JSON.stringify(h.logs)).not.toContain(METRICS_TOKEN)
  })

  test('without a token (the default) /metrics is open', async () => {
    const h = (hub = await startHub())
    const res = await metrics(h)
    expect(res.status).toBe(200)
  })
})
