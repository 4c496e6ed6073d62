// Login attempt limits, in memory per hub process. An attempt is taken in one synchronous step before
// its password is checked, so attempts sent in parallel cannot slip past a limit together:
//   - per client address: `loginAttemptsPerAddress` attempts per window;
//   - per account and address: `loginAttemptsPerAccount` attempts that were not right per window, then
//     that address is refused for that account. The key includes the address so that an attacker
//     cannot lock the owner, who logs in from elsewhere, out of the account;
//   - per account, from all addresses together: after `loginAttemptsPerAccount` failures the account
//     takes one attempt, then waits 1, 2, 4 ... s (up to `loginBackoffMaxSeconds`) before the next.
//     Guessing from many addresses stays as slow as a lock-out (at the default 60 s, one guess a
//     minute, like the old 5 per 300 s), but the owner waits seconds, not the whole window, and
//     addresses the account logged in from recently are not slowed at all.
// A right password resets the account's back-off and its address's count. The account key is the
// name as typed (lower-cased), so unknown names are limited exactly like real ones (no enumeration).
import { coreErrors } from '#core/errors'
import { WindowCounter } from './window-counter.ts'

export interface LoginLimits {
  loginAttemptsPerAccount: number
  loginAttemptsPerAddress: number
  loginWindowSeconds: number
  loginBackoffMaxSeconds: number
  /** How long an address an account logged in from stays exempt from the account's back-off. */
  sessionTtlHours: number
}

/** An attempt the limits let through; settle it once its password has been checked. */
export interface LoginAttempt {
  /** `true`: the password was right; `false` (also an unknown account): a failure. Only the first call counts. */
  settle(passwordRight: boolean): void
}

interface AccountState {
  /** Failed attempts since the last right password or quiet window. */
  failures: number
  /** Attempts taken and not settled yet (they count against the allowance while in flight). */
  pending: number
  /** When the next slowed-down attempt may be taken (ms). */
  openAt: number
  lastFailureAt: number
}

/** Addresses remembered per account as having logged in (the oldest is forgotten first). */
const KNOWN_PER_ACCOUNT = 8
const SWEEP_EVERY_MS = 60_000

export class LoginLimiter {
  private readonly perAddress: WindowCounter
  private readonly perAccountAddress: WindowCounter
  private readonly accounts = new Map<string, AccountState>()
  /** account -> address -> when it last logged in from there. */
  private readonly known = new Map<string, Map<string, number>>()
  private readonly windowMs: number
  private readonly knownMs: number
  private nextSweep = 0

  constructor(
    private readonly limits: LoginLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = limits.loginWindowSeconds * 1000
    this.knownMs = limits.sessionTtlHours * 3600_000
    this.perAddress = new WindowCounter(limits.loginAttemptsPerAddress, this.windowMs)
    this.perAccountAddress = new WindowCounter(limits.loginAttemptsPerAccount, this.windowMs)
  }

  /**
   * Take an attempt on `account` from `address` before checking its password, or throw
   * CHATHUB_RATE_LIMITED (with retryAfter) and count nothing.
   */
  take(account: string, address: string): LoginAttempt {
    const now = this.now()
    this.sweep(now)
    const acct = account.toLowerCase()
    // An address holds no spaces, so this key cannot collide across (account, address) pairs.
    const pair = `${address} ${acct}`
    const state = this.stateOf(acct, now)
    const slowed =
      state.failures + state.pending >= this.limits.loginAttemptsPerAccount &&
      !this.isKnown(acct, address, now)
    const wait = Math.max(
      this.perAddress.wait(address, now),
      this.perAccountAddress.wait(pair, now),
      slowed ? state.openAt - now : 0,
    )
    if (wait > 0) throw coreErrors.rateLimited(Math.max(1, Math.ceil(wait / 1000)))

    this.perAddress.add(address, now)
    this.perAccountAddress.add(pair, now)
    this.accounts.set(acct, state)
    state.pending++
    if (slowed) {
      const excess = state.failures + state.pending - this.limits.loginAttemptsPerAccount
      state.openAt = now + this.backoffMs(excess)
    }
    let settled = false
    return {
      settle: (passwordRight) => {
        if (settled) return
        settled = true
        this.settle(acct, address, pair, state, passwordRight)
      },
    }
  }

  private settle(
    acct: string,
    address: string,
    pair: string,
    state: AccountState,
    right: boolean,
  ): void {
    const now = this.now()
    state.pending--
    if (right) {
      state.failures = 0
      state.openAt = 0
      this.perAccountAddress.delete(pair)
      this.remember(acct, address, now)
    } else {
      state.failures++
      state.lastFailureAt = now
    }
    if (state.pending === 0 && state.failures === 0 && this.accounts.get(acct) === state) {
      this.accounts.delete(acct)
    }
  }

  /** 1 s for the first attempt past the allowance, doubling, at most loginBackoffMaxSeconds. */
  private backoffMs(excess: number): number {
    const seconds = 2 ** Math.min(Math.max(excess - 1, 0), 30)
    return Math.min(this.limits.loginBackoffMaxSeconds, seconds) * 1000
  }

  /** The account's state; failures are forgotten after a quiet window with nothing in flight. */
  private stateOf(acct: string, now: number): AccountState {
    const state = this.accounts.get(acct)
    if (state && !this.quiet(state, now)) return state
    if (state) this.accounts.delete(acct)
    return { failures: 0, pending: 0, openAt: 0, lastFailureAt: 0 }
  }

  private quiet(state: AccountState, now: number): boolean {
    return state.pending === 0 && now >= Math.max(state.openAt, state.lastFailureAt + this.windowMs)
  }

  private isKnown(acct: string, address: string, now: number): boolean {
    const at = this.known.get(acct)?.get(address)
    return at !== undefined && now - at < this.knownMs
  }

  private remember(acct: string, address: string, now: number): void {
    const addresses = this.known.get(acct) ?? new Map<string, number>()
    addresses.delete(address)
    addresses.set(address, now)
    for (const oldest of addresses.keys()) {
      if (addresses.size <= KNOWN_PER_ACCOUNT) break
      addresses.delete(oldest)
    }
    this.known.set(acct, addresses)
  }

  /** Drop ended windows, quiet accounts and expired known addresses, at most once a minute. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return
    this.nextSweep = now + SWEEP_EVERY_MS
    this.perAddress.sweep(now)
    this.perAccountAddress.sweep(now)
    for (const [acct, state] of this.accounts)
      if (this.quiet(state, now)) this.accounts.delete(acct)
    for (const [acct, addresses] of this.known) {
      for (const [address, at] of addresses) if (now - at >= this.knownMs) addresses.delete(address)
      if (addresses.size === 0) this.known.delete(acct)
    }
  }
}
