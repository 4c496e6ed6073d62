// Test helpers for the totp suites: a hub with totp enabled and an injected clock, codes computed
// with otplib for that clock, and enrolment through the real HTTP routes.
import { generateSync } from 'otplib'
import { ChatClient, httpCall } from '#core/client/sdk'
import { startHub, type TestHub } from '#test/helpers/start-hub'

export const PASSWORD = 'correct horse battery'

export interface TotpHub extends TestHub {
  /** The hub's clock in ms; move it with `advance`. */
  clock: { now: number; advance(seconds: number): void }
}

export const startTotpHub = async (totp: Record<string, unknown> = {}): Promise<TotpHub> => {
  const clock = {
    now: Date.UTC(2030, 0, 1, 12, 0, 5),
    advance(seconds: number) {
      this.now += seconds * 1000
    },
  }
  const hub = await startHub({ plugins: { totp: { issuer: 'Test Hub', ...totp } } }, { now: () => clock.now })
  return Object.assign(hub, { clock })
}

export const parseUri = (uri: string) => {
  const url = new URL(uri)
  const p = url.searchParams
  return {
    url,
    secret: p.get('secret') ?? '',
    algorithm: (p.get('algorithm') ?? 'SHA1').toLowerCase() as 'sha1' | 'sha256' | 'sha512',
    digits: Number(p.get('digits') ?? 6) as 6 | 8,
    period: Number(p.get('period') ?? 30),
  }
}

/** The code an authenticator would show at `epochMs` (+ offset steps) for this URI. */
export const codeFor = (uri: string, epochMs: number, stepOffset = 0): string => {
  const u = parseUri(uri)
  return generateSync({
    secret: u.secret,
    algorithm: u.algorithm,
    digits: u.digits,
    period: u.period,
    epoch: Math.floor(epochMs / 1000) + stepOffset * u.period,
  })
}

export const post = <T = Record<string, unknown>>(hub: TestHub, path: string, token: string | undefined, body: unknown = {}) =>
  httpCall<T>(hub.url, path, { method: 'POST', body, ...(token ? { token } : {}) })

export const get = <T = Record<string, unknown>>(hub: TestHub, path: string, token: string) =>
  httpCall<T>(hub.url, path, { token })

/** Raw HTTP call: the status and the whole body, for asserting the wire format itself. */
export const raw = async (hub: TestHub, path: string, body: unknown, token?: string) => {
  const res = await fetch(new URL(path, hub.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** Enrol `token`'s user through the routes; returns the URI and recovery codes. The clock moves one step. */
export const enrol = async (hub: TotpHub, token: string) => {
  const { uri } = await post<{ uri: string }>(hub, '/plugins/totp/setup', token)
  const { recoveryCodes } = await post<{ recoveryCodes: string[] }>(hub, '/plugins/totp/confirm', token, {
    code: codeFor(uri, hub.clock.now),
  })
  hub.clock.advance(parseUri(uri).period)
  return { uri, recoveryCodes }
}

export const login = (hub: TestHub, user: string, extra: Record<string, unknown> = {}) =>
  ChatClient.login(hub.url, user, PASSWORD, extra)
