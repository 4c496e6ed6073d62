// Login attempt limits per account and per client address (rate-limiter-flexible, in memory).
// The account key is the name as typed, so limits apply the same whether or not the account exists.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { coreErrors } from '#core/errors'

export interface LoginLimits {
  loginAttemptsPerAccount: number
  loginAttemptsPerAddress: number
  loginWindowSeconds: number
}

export class LoginLimiter {
  private readonly perAccount: RateLimiterMemory
  private readonly perAddress: RateLimiterMemory

  constructor(limits: LoginLimits) {
    this.perAccount = new RateLimiterMemory({
      points: limits.loginAttemptsPerAccount,
      duration: limits.loginWindowSeconds,
      keyPrefix: 'acct',
    })
    this.perAddress = new RateLimiterMemory({
      points: limits.loginAttemptsPerAddress,
      duration: limits.loginWindowSeconds,
      keyPrefix: 'addr',
    })
  }

  /** Count an attempt from this address and refuse while the account or address is locked. */
  async attempt(account: string, address: string): Promise<void> {
    const acct = await this.perAccount.get(account.toLowerCase())
    if (acct && acct.remainingPoints <= 0) throw coreErrors.rateLimited(secondsOf(acct))
    try {
      await this.perAddress.consume(address)
    } catch (res) {
      if (res instanceof RateLimiterRes) throw coreErrors.rateLimited(secondsOf(res))
      throw res
    }
  }

  /** A failed password (or code) counts against the account. */
  async failed(account: string): Promise<void> {
    await this.perAccount.consume(account.toLowerCase()).catch(() => undefined)
  }

  async succeeded(account: string): Promise<void> {
    await this.perAccount.delete(account.toLowerCase())
  }
}

const secondsOf = (res: RateLimiterRes): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000))
