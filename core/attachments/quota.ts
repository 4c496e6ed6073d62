// Storage limits for uploads: attachments.quotaBytesPerUser (per uploader) and attachments.maxTotalBytes
// (the whole hub). What is stored is read from the database when a user's first upload starts; the bytes
// of uploads in progress are counted here as they arrive, so concurrent uploads share the allowance.
import type { Db } from '#core/db/client'
import { attachmentErrors } from './errors.ts'
import { hubStoredBytes, userStoredBytes } from './queries.ts'

interface Account {
  /** Committed bytes: read once when the account's first upload began, plus what committed since. */
  stored: number
  /** Bytes received so far by this account's uploads in progress. */
  inflight: number
  /** Uploads in progress; the account is forgotten (and re-read next time) when it drops to 0. */
  uploads: number
}

export interface QuotaLimits {
  /** 0: unlimited. */
  quotaBytesPerUser: number
  /** 0: unlimited. */
  maxTotalBytes: number
}

/**
 * Guarantee (one hub process, the only writer of attachment rows): a user's stored bytes never exceed
 * the quota, and the hub's never exceed maxTotalBytes, however many uploads run at once. Each chunk is
 * counted before it is written, and the upload whose chunk would take stored + in progress past a limit
 * is refused (its temp file removed). Deletions during an upload are seen by the next one only, which
 * errs on the side of refusing.
 */
export class QuotaLedger {
  private readonly users = new Map<number, Account>()
  private hub: Account | undefined

  constructor(
    private readonly db: Db,
    private readonly limits: QuotaLimits,
  ) {}

  /** Start counting an upload by `userId`; call `end()` on the result whatever happens. */
  begin(userId: number): Reservation {
    const { quotaBytesPerUser, maxTotalBytes } = this.limits
    let user: Account | undefined
    if (quotaBytesPerUser > 0) {
      user = this.users.get(userId)
      if (!user) this.users.set(userId, (user = { stored: userStoredBytes(this.db, userId), inflight: 0, uploads: 0 }))
      user.uploads++
    }
    if (maxTotalBytes > 0) {
      this.hub ??= { stored: hubStoredBytes(this.db), inflight: 0, uploads: 0 }
      this.hub.uploads++
    }
    return new Reservation(user, maxTotalBytes > 0 ? this.hub : undefined, this.limits, () => {
      if (user && user.uploads === 0) this.users.delete(userId)
      if (this.hub?.uploads === 0) this.hub = undefined
    })
  }
}

export class Reservation {
  private received = 0
  private ended = false

  constructor(
    private readonly user: Account | undefined,
    private readonly hub: Account | undefined,
    private readonly limits: QuotaLimits,
    private readonly release: () => void,
  ) {}

  /** Refuse at once when `bytes` more (a declared Content-Length) cannot fit. Reserves nothing. */
  expect(bytes: number): void {
    this.check(bytes)
  }

  /**
   * Count `bytes` just received. When they would pass a limit it throws, and the upload's bytes are
   * released at once: the uploads still running must not be refused for bytes about to be deleted.
   */
  add(bytes: number): void {
    try {
      this.check(bytes)
    } catch (err) {
      this.end()
      throw err
    }
    this.received += bytes
    if (this.user) this.user.inflight += bytes
    if (this.hub) this.hub.inflight += bytes
  }

  /** The upload was stored as `size` bytes (after metadata stripping: at most what was received). */
  commit(size: number): void {
    if (this.user) this.user.stored += size
    if (this.hub) this.hub.stored += size
  }

  /** The upload is over (stored or refused): its in-progress bytes are released. Idempotent. */
  end(): void {
    if (this.ended) return
    this.ended = true
    for (const account of [this.user, this.hub]) {
      if (!account) continue
      account.inflight -= this.received
      account.uploads--
    }
    this.release()
  }

  private check(bytes: number): void {
    if (this.user) {
      const used = this.user.stored + this.user.inflight
      if (used + bytes > this.limits.quotaBytesPerUser) {
        throw attachmentErrors.quotaExceeded(used - this.received, this.limits.quotaBytesPerUser)
      }
    }
    if (this.hub) {
      const used = this.hub.stored + this.hub.inflight
      if (used + bytes > this.limits.maxTotalBytes) throw attachmentErrors.storageFull(used, this.limits.maxTotalBytes)
    }
  }
}
