// Safety numbers in the browser (docs/e2e.md, "Verifying a contact"): the number of this account and
// another user over both users' trusted devices, the record that it was compared, and a watch on the
// users verified in this browser — when one's trusted devices change (a `devices` event, or a check
// when an encrypted room they are in opens), the views warn until the number is compared again. The
// rules are the SDK's (core/client/e2e/verification.ts, as `chathub verify`); they load once a user is
// verified here or a number is shown, so a browser that verified nobody loads none of them.
import { fingerprint } from '#core/client/e2e/fingerprint'
import type { E2eSession } from '#core/client/e2e/session'
import type { DeviceStore } from '#core/client/e2e/store'
import type { DeviceStatus } from '#core/client/e2e/trust'
import type { SafetyCheck, VerificationStatus } from '#core/client/e2e/verification'
import type { ChatClient } from '#core/client/sdk'
import type { EventOf } from '#core/protocol/messages'

/** One of the contact's devices, as `chathub verify` lists them. */
export interface ContactDevice {
  device: string
  name: string
  /** The key as people compare it (the same string as `chathub devices`). */
  fingerprint: string
  /** Unvouched devices are listed, but neither in the number nor in your rooms. */
  status: DeviceStatus
  /** The name of the trusted device that vouched for it. */
  by?: string
}

/** A safety number as the verify dialog shows it. */
export interface SafetyView {
  check: SafetyCheck
  /** The 60 digits in 12 groups of five, six groups a line (formatSafetyNumber). */
  lines: string[]
  devices: ContactDevice[]
  /** Whether they have a trusted device: without one there is no number worth comparing. */
  comparable: boolean
  /** When the verification is broken: what changed, for people. */
  changes?: string
}

/** What confirming did: recorded, or not because the number changed since it was shown; `view` is the number now. */
export interface Confirmed {
  recorded: boolean
  view: SafetyView
}

export class Verifications {
  /** Users verified in this browser. */
  private verified = new Set<string>()
  /** Verified users whose trusted devices changed since, with what changed. */
  private readonly changed = new Map<string, string>()

  constructor(
    private readonly client: ChatClient,
    private readonly session: E2eSession,
    private readonly store: DeviceStore,
    /** Hears every change of a user's status. */
    private readonly onChange: () => void,
  ) {
    // A verified user's devices changed (added, vouched for, removed, renamed): check them again.
    client.on('devices', (e: EventOf<'devices'>) => {
      if (this.verified.has(e.user)) void this.recheck([e.user]).catch(() => {})
    })
  }

  /** Read the users verified in this browser and check each one's devices now. */
  async load(): Promise<void> {
    this.verified = new Set(Object.keys(await this.store.loadVerifications()))
    if (this.verified.size > 0) this.onChange()
    await this.recheck(this.verified)
  }

  status(user: string): VerificationStatus {
    return this.changed.has(user) ? 'broken' : this.verified.has(user) ? 'verified' : 'unverified'
  }

  /** Whether anybody is verified here (else nothing needs checking). */
  get any(): boolean {
    return this.verified.size > 0
  }

  /** Verified users whose trusted devices changed since, with what changed. */
  broken(): [user: string, changes: string][] {
    return [...this.changed]
  }

  /** Check again those of `users` verified here (the others cost nothing): a `devices` event, a room opened. */
  async recheck(users: Iterable<string>): Promise<void> {
    const verified = [...users].filter((u) => this.verified.has(u))
    if (verified.length === 0) return
    const { brokenVerification, describeChanges } = await import('#core/client/e2e/verification')
    for (const user of verified) {
      // Not listed now (a connection lost, an account removed): checked at the next event or room.
      const listed = await this.client.request('devices', { user }).catch(() => undefined)
      if (!listed) continue
      const changes = await brokenVerification(this.store, user, listed.devices)
      this.note(user, changes && describeChanges(changes))
    }
  }

  /**
   * The safety number of this account and `user`, with their devices. This browser's own device is
   * part of it: it registers now if it never did.
   */
  async check(user: string): Promise<SafetyView> {
    await this.session.enable()
    const [{ checkSafety, describeChanges, trustedOf }, { formatSafetyNumber }] = await Promise.all([
      import('#core/client/e2e/verification'),
      import('#core/client/e2e/safety-number'),
    ])
    const me = this.client.user
    const [mine, theirs] = await Promise.all([
      this.client.request('devices', { user: me }),
      this.client.request('devices', { user }),
    ])
    const check = await checkSafety(this.store, { user: me, devices: mine.devices }, { user, devices: theirs.devices })
    const changes = check.changes && describeChanges(check.changes)
    const verified = check.status !== 'unverified'
    if (verified !== this.verified.has(user)) {
      if (verified) this.verified.add(user)
      else this.verified.delete(user)
      this.onChange()
    }
    this.note(user, check.status === 'broken' ? changes : undefined)
    const devices = await Promise.all(
      check.theirs.devices.map(async (d): Promise<ContactDevice> => {
        const by = d.by === undefined ? undefined : (check.theirs.devices.find((v) => v.device === d.by)?.name ?? d.by)
        return {
          device: d.device,
          name: d.name,
          fingerprint: await fingerprint(d.key),
          status: d.status,
          ...(by === undefined ? {} : { by }),
        }
      }),
    )
    return {
      check,
      lines: formatSafetyNumber(check.safetyNumber),
      devices,
      comparable: trustedOf(check.theirs).length > 0,
      ...(check.status === 'broken' && changes ? { changes } : {}),
    }
  }

  /**
   * Record that the number `shown` matches what its user sees: their devices are pinned and their
   * trusted ones kept as verified. Not recorded when the number is another one by now (their devices
   * or this account's changed since it was shown): then the new one is to be compared.
   */
  async confirm(shown: SafetyView): Promise<Confirmed> {
    const now = await this.check(shown.check.user)
    if (now.check.safetyNumber !== shown.check.safetyNumber || !now.comparable) return { recorded: false, view: now }
    const { confirmSafety } = await import('#core/client/e2e/verification')
    await confirmSafety(this.store, now.check)
    this.verified.add(now.check.user)
    this.note(now.check.user, undefined)
    this.onChange()
    return { recorded: true, view: await this.check(now.check.user) }
  }

  /** Forget that `user` was verified in this browser (their devices are no longer watched). */
  async forget(user: string): Promise<void> {
    await this.store.saveVerification(user, undefined)
    this.verified.delete(user)
    this.changed.delete(user)
    this.onChange()
  }

  private note(user: string, changes: string | undefined): void {
    if (changes === this.changed.get(user)) return
    if (changes === undefined) this.changed.delete(user)
    else this.changed.set(user, changes)
    this.onChange()
  }
}
