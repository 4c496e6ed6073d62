// The loud warning of `send` and `chat` (docs/e2e.md, "Verifying a contact"): a member of the
// encrypted room you write to was verified on this device (`chathub verify`), and their trusted
// devices changed since. One line per user and command; nothing is asked of the hub for a device
// that verified nobody.
import type { E2eSession } from '#core/client/e2e/session'
import type { DeviceStore } from '#core/client/e2e/store'
import {
  type VerificationChanges,
  brokenVerification,
  describeChanges,
} from '#core/client/e2e/verification'
import type { ChatClient } from '#core/client/sdk'

/** The warning for `user`, naming what changed and the command to run. */
export const brokenVerificationLine = (user: string, changes: VerificationChanges): string =>
  `warning: VERIFICATION BROKEN: ${user}'s devices changed since you verified them (${describeChanges(changes)}). Compare safety numbers with ${user} again: run \`chathub verify ${user}\``

export class VerifiedMembers {
  private readonly warned = new Set<string>()

  constructor(
    private readonly client: ChatClient,
    private readonly e2e: E2eSession,
    private readonly store: DeviceStore,
    /** Hears each warning line (the command prints it on stderr). */
    private readonly warn: (line: string) => void,
  ) {}

  /** Check the verified members of `room`, if it is end-to-end encrypted. */
  async checkRoom(room: string): Promise<void> {
    const verified = await this.store.loadVerifications()
    if (Object.keys(verified).length === 0 || !(await this.e2e.isE2e(room))) return
    const { members } = await this.client.members(room)
    for (const { user } of members) if (Object.hasOwn(verified, user)) await this.checkUser(user)
  }

  /** Warn about `user` (once) if they were verified and their trusted devices changed. */
  async checkUser(user: string): Promise<void> {
    if (this.warned.has(user)) return
    if (!(await this.store.loadVerification(user))) return
    const { devices } = await this.client.request('devices', { user })
    const changes = await brokenVerification(this.store, user, devices)
    if (!changes || this.warned.has(user)) return
    this.warned.add(user)
    this.warn(brokenVerificationLine(user, changes))
  }
}
