// The totp plugin's behaviour, shared by its routes, its login hook and the admin CLI: enrolment,
// the single code-checking path (replay, lock-out, recovery codes), disable, reset, step-up, tickets.
import type { AuditEntry, Db, FastifyBaseLoggerLike } from './service-types.ts'
import type { TotpConfig } from './config.ts'
import {
  type TotpKeys,
  deriveKeys,
  hashRecoveryCode,
  hashTicket,
  newRecoveryCodes,
  newTicket,
  normaliseRecoveryCode,
  openSecret,
  sealSecret,
} from './crypto.ts'
import { totpErrors } from './errors.ts'
import * as q from './queries.ts'
import { keyUri, matchStep, newSecret, type TotpParams } from './totp.ts'

export const RECOVERY_CODE_COUNT = 10

/** The account a request acts for. */
export interface TotpUser {
  id: number
  name: string
  admin: boolean
}

/** What a code check accepts: a current code, or a recovery code (also accepted in `code`). */
export interface CodeInput {
  code?: unknown
  recoveryCode?: unknown
}

export interface TotpStatus {
  user: string
  enabled: boolean
  pending: boolean
  /** Whether the policy requires TOTP for this account. */
  required: boolean
  policy: TotpConfig['policy']
  algorithm: string | null
  digits: number | null
  period: number | null
  recoveryCodesLeft: number
  lockedUntil: string | null
  enabledAt: string | null
}

export interface TotpDeps {
  db: Db
  serverKey: Buffer
  config: TotpConfig
  now: () => number
  audit: (entry: AuditEntry) => void
  log?: FastifyBaseLoggerLike
  /** End a user's sessions (all, or all but `except`) and their sockets. */
  endSessions: (userId: number, except?: number) => void
}

export class TotpService {
  private readonly keys: TotpKeys

  constructor(private readonly deps: TotpDeps) {
    this.keys = deriveKeys(deps.serverKey)
  }

  get config(): TotpConfig {
    return this.deps.config
  }

  /** Whether the policy requires TOTP for this account. */
  isRequired(user: { admin: boolean }): boolean {
    const { policy } = this.deps.config
    return policy === 'all' || (policy === 'admins' && user.admin)
  }

  isEnabled(userId: number): boolean {
    return q.getAccount(this.deps.db, userId)?.status === 'enabled'
  }

  status(user: TotpUser): TotpStatus {
    const acct = q.getAccount(this.deps.db, user.id)
    const enabled = acct?.status === 'enabled'
    const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null)
    return {
      user: user.name,
      enabled,
      pending: acct?.status === 'pending',
      required: this.isRequired(user),
      policy: this.deps.config.policy,
      algorithm: acct?.algorithm ?? null,
      digits: acct?.digits ?? null,
      period: acct?.period ?? null,
      recoveryCodesLeft: enabled ? q.recoveryCodesLeft(this.deps.db, user.id) : 0,
      lockedUntil: acct?.lockedUntil && acct.lockedUntil > this.deps.now() ? iso(acct.lockedUntil) : null,
      enabledAt: iso(acct?.enabledAt),
    }
  }

  /** Start an enrolment: a new secret (sealed at rest) and its otpauth:// URI. Not active until confirmed. */
  begin(user: TotpUser): { uri: string; issuer: string; account: string } {
    const { config, db } = this.deps
    if (config.policy === 'off') throw totpErrors.off()
    if (this.isEnabled(user.id)) throw totpErrors.alreadyEnabled()
    const params: TotpParams = { algorithm: config.algorithm, digits: config.digits, period: config.period }
    const secret = newSecret(params.algorithm)
    q.putPending(db, user.id, sealSecret(this.keys, user.id, secret), params, this.deps.now())
    const uri = keyUri({ issuer: config.issuer, account: user.name, secret, params })
    secret.fill(0)
    this.deps.audit({ actor: user.name, action: 'totp.enrolment.started', target: user.name, detail: { ...params } })
    return { uri, issuer: config.issuer, account: user.name }
  }

  /**
   * Finish an enrolment with a first code: TOTP is on, 10 recovery codes are made (returned once),
   * and every other session of the user ends.
   */
  confirm(user: TotpUser, code: unknown, sessionId?: number): { recoveryCodes: string[] } {
    const acct = q.getAccount(this.deps.db, user.id)
    if (!acct || acct.status !== 'pending') throw this.isEnabled(user.id) ? totpErrors.alreadyEnabled() : totpErrors.noPendingSetup()
    this.checkTimeCode(user, acct, typeof code === 'string' ? code : '', 'confirm')
    q.markEnabled(this.deps.db, user.id, this.deps.now())
    const recoveryCodes = this.newRecoveryCodes(user.id)
    this.deps.audit({ actor: user.name, action: 'totp.enabled', target: user.name })
    this.deps.log?.info({ user: user.name }, 'totp enabled')
    this.deps.endSessions(user.id, sessionId)
    return { recoveryCodes }
  }

  /**
   * The one path every code goes through. Refuses while locked; counts failures (codes and recovery
   * codes alike) and locks with back-off; refuses replays (step at or before the last accepted).
   */
  check(user: TotpUser, input: CodeInput, via: string): 'code' | 'recovery' {
    const { db, now } = this.deps
    const acct = q.getAccount(db, user.id)
    if (!acct || acct.status !== 'enabled') throw totpErrors.notEnabled()
    this.refuseIfLocked(acct.lockedUntil)
    const code = typeof input.code === 'string' ? input.code.replace(/\s/g, '') : ''
    const recovery =
      typeof input.recoveryCode === 'string' && input.recoveryCode !== ''
        ? input.recoveryCode
        : code !== '' && !/^\d+$/.test(code)
          ? code
          : ''
    if (recovery !== '') {
      const ok = normaliseRecoveryCode(recovery).length === 16 &&
        q.useRecoveryCode(db, user.id, hashRecoveryCode(this.keys, user.id, recovery), now())
      if (!ok) this.fail(user, 'recovery', via)
      q.recordSuccess(db, user.id, now())
      const left = q.recoveryCodesLeft(db, user.id)
      this.deps.audit({ actor: user.name, action: 'totp.recovery_code.used', target: user.name, detail: { via, left } })
      this.deps.log?.info({ user: user.name, via, left }, 'totp recovery code used')
      return 'recovery'
    }
    if (code === '') throw totpErrors.codeInvalid()
    this.checkTimeCode(user, acct, code, via)
    return 'code'
  }

  /** Turn TOTP off (needs a current code or a recovery code); other sessions end. */
  disable(user: TotpUser, input: CodeInput, sessionId?: number): void {
    if (this.isRequired(user)) throw totpErrors.requiredByPolicy()
    this.check(user, input, 'disable')
    q.deleteAccount(this.deps.db, user.id)
    this.deps.audit({ actor: user.name, action: 'totp.disabled', target: user.name })
    this.deps.log?.info({ user: user.name }, 'totp disabled')
    this.deps.endSessions(user.id, sessionId)
  }

  /** New recovery codes (needs a current code); the old ones stop working. */
  regenerateRecoveryCodes(user: TotpUser, code: unknown): { recoveryCodes: string[] } {
    this.check(user, { code: typeof code === 'string' && /^\d+$/.test(code.replace(/\s/g, '')) ? code : '' }, 'recovery-codes')
    const recoveryCodes = this.newRecoveryCodes(user.id)
    this.deps.audit({ actor: user.name, action: 'totp.recovery_codes.regenerated', target: user.name })
    return { recoveryCodes }
  }

  /**
   * An admin turns TOTP off for a user who lost their device: secret and recovery codes are deleted,
   * every session of the user ends. The caller has done the step-up check.
   */
  reset(target: { id: number; name: string }, actor: string, detail: Record<string, unknown> = {}): boolean {
    const had = q.deleteAccount(this.deps.db, target.id)
    this.deps.audit({ actor, action: 'totp.reset', target: target.name, detail: { ...detail, hadTotp: had } })
    this.deps.log?.info({ user: target.name, by: actor }, 'totp reset')
    this.deps.endSessions(target.id)
    return had
  }

  /**
   * Step-up: a sensitive action needs a code entered within `stepUpMinutes` (at login or by
   * `POST /plugins/totp/verify`), or one given now. A user without TOTP passes only when the policy
   * does not require it for them. Every step-up is audited.
   */
  requireFreshCode(user: TotpUser, options: { action: string } & CodeInput): void {
    const { config, now } = this.deps
    const acct = q.getAccount(this.deps.db, user.id)
    const audit = (method: string) =>
      this.deps.audit({ actor: user.name, action: 'totp.step_up', target: user.name, detail: { for: options.action, method } })
    if (acct?.status !== 'enabled') {
      if (this.isRequired(user)) throw totpErrors.enrolmentRequired(user.name)
      audit('none')
      return
    }
    if (options.code !== undefined || options.recoveryCode !== undefined) {
      audit(this.check(user, options, `step-up:${options.action}`))
      return
    }
    const age = acct.verifiedAt === null ? undefined : now() - acct.verifiedAt
    // A time in the future (clock moved back) is not fresh either.
    if (age !== undefined && age >= 0 && age <= config.stepUpMinutes * 60_000) {
      audit('fresh')
      return
    }
    throw totpErrors.stepUpRequired(config.stepUpMinutes)
  }

  /** A pending-login ticket for the second login step (password already checked). */
  issueTicket(userId: number): { ticket: string; expiresAt: string } {
    const ticket = newTicket()
    const expiresAt = this.deps.now() + this.deps.config.ticketSeconds * 1000
    q.insertTicket(this.deps.db, hashTicket(ticket), userId, expiresAt, this.deps.now())
    return { ticket, expiresAt: new Date(expiresAt).toISOString() }
  }

  /** The user id a live ticket is for; call consumeTicket once the code was accepted. */
  ticketUser(ticket: unknown): number {
    const found = typeof ticket === 'string' ? q.findTicket(this.deps.db, hashTicket(ticket), this.deps.now()) : undefined
    if (!found) throw totpErrors.ticketInvalid()
    return found.userId
  }

  /** Until when a code entered now counts as fresh for step-up. */
  freshUntil(): string {
    return new Date(this.deps.now() + this.deps.config.stepUpMinutes * 60_000).toISOString()
  }

  ticketError(): Error {
    return totpErrors.ticketInvalid()
  }

  consumeTicket(ticket: string): void {
    q.deleteTicket(this.deps.db, hashTicket(ticket))
  }

  private newRecoveryCodes(userId: number): string[] {
    const codes = newRecoveryCodes(RECOVERY_CODE_COUNT)
    q.replaceRecoveryCodes(this.deps.db, userId, codes.map((c) => hashRecoveryCode(this.keys, userId, c)))
    return codes
  }

  private checkTimeCode(user: TotpUser, acct: NonNullable<ReturnType<typeof q.getAccount>>, code: string, via: string): void {
    const { db, now, config } = this.deps
    this.refuseIfLocked(acct.lockedUntil)
    const secret = openSecret(this.keys, user.id, acct.secret)
    if (!secret) {
      this.deps.log?.error({ user: user.name }, 'totp secret cannot be decrypted')
      throw totpErrors.secretUnreadable(user.name)
    }
    const params = { algorithm: acct.algorithm, digits: acct.digits === 8 ? 8 : 6, period: acct.period } as const
    const step = matchStep(params, secret, code.replace(/\s/g, ''), now() / 1000, config.window)
    secret.fill(0)
    if (step === undefined) this.fail(user, 'code', via)
    if (!q.claimStep(db, user.id, step, now())) {
      this.deps.log?.warn({ user: user.name, via }, 'totp code replayed')
      this.fail(user, 'replay', via)
    }
  }

  private refuseIfLocked(lockedUntil: number | null): void {
    const now = this.deps.now()
    if (lockedUntil !== null && lockedUntil > now) throw totpErrors.locked(Math.ceil((lockedUntil - now) / 1000))
  }

  /** Count a failed attempt, lock with back-off at the limit, and throw the matching error. */
  private fail(user: TotpUser, kind: 'code' | 'replay' | 'recovery', via: string): never {
    const { db, config, now } = this.deps
    const { failures, lockouts } = q.recordFailure(db, user.id)
    this.deps.audit({ actor: user.name, action: 'totp.failure', target: user.name, detail: { kind, via, failures } })
    if (failures >= config.maxAttempts) {
      const seconds = Math.min(config.maxLockoutSeconds, config.lockoutSeconds * 2 ** lockouts)
      q.lockAccount(db, user.id, now() + seconds * 1000)
      this.deps.audit({ actor: user.name, action: 'totp.locked', target: user.name, detail: { seconds, via } })
      this.deps.log?.warn({ user: user.name, seconds }, 'totp locked after failed attempts')
      throw totpErrors.locked(seconds)
    }
    if (kind === 'replay') throw totpErrors.codeReused()
    if (kind === 'recovery') throw totpErrors.recoveryInvalid()
    throw totpErrors.codeInvalid()
  }
}
