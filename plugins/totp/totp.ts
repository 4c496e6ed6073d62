// TOTP (RFC 6238) on top of otplib: secret generation, the Key Uri Format URI, and the one
// verification path every code goes through (login, confirm, disable, step-up).
import { randomBytes } from 'node:crypto'
import { generateURI, verifySync } from 'otplib'
import { toBase32 } from './crypto.ts'

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512'

/** Parameters an authenticator was enrolled with (stored per account). */
export interface TotpParams {
  algorithm: TotpAlgorithm
  digits: 6 | 8
  period: number
}

/**
 * Secret sizes: RFC 4226 §4 asks for at least 128 bits and recommends 160; RFC 6238 Appendix B
 * uses a key as long as the hash output (20/32/64 bytes), which we follow.
 */
export const SECRET_BYTES: Record<TotpAlgorithm, number> = { SHA1: 20, SHA256: 32, SHA512: 64 }

/** A fresh secret from the CSPRNG. */
export const newSecret = (algorithm: TotpAlgorithm): Buffer => randomBytes(SECRET_BYTES[algorithm])

const lower = (a: TotpAlgorithm) => a.toLowerCase() as 'sha1' | 'sha256' | 'sha512'

/**
 * The otpauth:// URI (Key Uri Format: label `issuer:account`, then secret, issuer, algorithm, digits,
 * period). otplib leaves out parameters at their defaults; we always write them, as some apps guess.
 */
export const keyUri = (input: { issuer: string; account: string; secret: Uint8Array; params: TotpParams }): string => {
  const { params } = input
  let uri = generateURI({
    issuer: input.issuer,
    label: input.account,
    secret: toBase32(input.secret),
    algorithm: lower(params.algorithm),
    digits: params.digits,
    period: params.period,
  })
  const add = (key: string, value: string | number) => {
    if (!new RegExp(`[?&]${key}=`).test(uri)) uri += `&${key}=${value}`
  }
  add('algorithm', params.algorithm)
  add('digits', params.digits)
  add('period', params.period)
  return uri
}

/**
 * The RFC 6238 time step a code matches, within ±`window` steps of `epochSeconds`; undefined if none.
 * Replay (a step at or before the last accepted one) is the caller's check, so it can be logged.
 */
export const matchStep = (
  params: TotpParams,
  secret: Uint8Array,
  code: string,
  epochSeconds: number,
  window: number,
): number | undefined => {
  if (!new RegExp(`^\\d{${params.digits}}$`).test(code)) return undefined
  const result = verifySync({
    secret,
    token: code,
    epoch: Math.floor(epochSeconds),
    period: params.period,
    digits: params.digits,
    algorithm: lower(params.algorithm),
    epochTolerance: window * params.period,
  })
  return result.valid && 'timeStep' in result ? result.timeStep : undefined
}
