// `chathub verify USER`: the safety number of you and USER, to compare with them out of band (in
// person, on a call you trust), and the record that you did (docs/e2e.md, "Verifying a contact").
// A verified user whose trusted devices change since is shown loudly, here and by `send` and `chat`.
import { Args, Flags } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import type { SafetyCheck, VerificationStatus } from '#core/client/e2e/verification'

export interface VerifiedDevice {
  device: string
  name: string
  fingerprint: string
  /** first_use, vouched or unvouched (unvouched devices are not in the number, nor in your rooms). */
  status: string
  by?: string
}

export interface VerifyResult {
  user: string
  /** 60 digits in 12 groups of 5. */
  safetyNumber: string
  status: VerificationStatus
  /** When this device recorded the verification (ISO 8601). */
  verifiedAt?: string
  /** When `broken`: what changed in their trusted devices since. */
  changes?: { added: string[]; removed: string[]; keyChanged: string[] }
  /** Pinned devices of theirs the hub now lists with another key. */
  keyReplaced: string[]
  devices: VerifiedDevice[]
  /** What this run did: recorded the verification (`--confirm` or a "yes"), forgot it, or nothing. */
  recorded: 'confirmed' | 'forgotten' | 'nothing'
}

export default class Verify extends ChathubCommand {
  static override summary = 'compare a safety number with another user and record that you did'
  static override description =
    "Shows one number computed over your and USER's trusted devices: the same on both sides. Compare it with USER " +
    'out of band (in person, or on a call where you recognise them); if it matches, record it with --confirm (or ' +
    'answer yes when asked on a terminal). Should their trusted devices change afterwards (a device added or ' +
    'removed, a key replaced), this command says the verification is broken and what changed, and `chathub send` ' +
    'and `chathub chat` warn on stderr in the encrypted rooms you share.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> bob',
    '<%= config.bin %> <%= command.id %> bob --confirm',
    '<%= config.bin %> <%= command.id %> bob --confirm --expect "12345 67890 …"',
    '<%= config.bin %> <%= command.id %> bob --json',
    '<%= config.bin %> <%= command.id %> bob --forget',
  ]
  static override enableJsonFlag = true
  static override args = {
    user: Args.string({ description: 'the user to verify', required: true }),
  }
  static override flags = {
    confirm: Flags.boolean({
      summary: 'record that the number matches what USER sees (no question asked)',
      exclusive: ['forget'],
    }),
    expect: Flags.string({
      summary: 'with --confirm: record only if the number is still this one (spaces allowed)',
      dependsOn: ['confirm'],
    }),
    forget: Flags.boolean({ summary: 'forget that USER was verified on this device' }),
  }

  async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(Verify)
    const { withClient } = await import('#cli/hub-client')
    const { checkSafety, confirmSafety, trustedOf } = await import('#core/client/e2e/verification')
    const { formatSafetyNumber, normalizeSafetyNumber } =
      await import('#core/client/e2e/safety-number')
    const { fingerprint } = await import('#core/client/e2e/fingerprint')
    const { cliErrors } = await import('#cli/errors')
    const { canPrompt, ask } = await import('#cli/prompt')
    const user = args.user

    const { check, store } = await withClient(async (client, creds, { e2e, store }) => {
      if (user === creds.user) throw cliErrors.verifySelf()
      // Your own device is part of the number: it registers now if it never did.
      await e2e.enable()
      const [mine, theirs] = await Promise.all([
        client.request('devices', { user: creds.user }),
        client.request('devices', { user }),
      ])
      const check = await checkSafety(
        store,
        { user: creds.user, devices: mine.devices },
        { user, devices: theirs.devices },
      )
      return { check, store }
    })
    // Nothing to compare: refused, except to see or forget a verification whose devices all went.
    const none = trustedOf(check.theirs).length === 0
    if (none && (flags.confirm || check.status === 'unverified'))
      throw cliErrors.verifyNoDevices(user)

    const lines = formatSafetyNumber(check.safetyNumber)
    const devices = await Promise.all(
      check.theirs.devices.map(async (d): Promise<VerifiedDevice> => ({
        device: d.device,
        name: d.name,
        fingerprint: await fingerprint(d.key),
        status: d.status,
        ...(d.by === undefined ? {} : { by: d.by }),
      })),
    )
    await this.show(check, lines, devices)

    let recorded: VerifyResult['recorded'] = 'nothing'
    let verification = check.verification
    if (flags.forget) {
      await store.saveVerification(user, undefined)
      verification = undefined
      recorded = 'forgotten'
      this.log(`${user} is no longer verified on this device`)
    } else {
      let confirm = flags.confirm
      if (flags.expect !== undefined && normalizeSafetyNumber(flags.expect) !== check.safetyNumber)
        throw cliErrors.verifyNumberChanged(user)
      if (!confirm && !none && check.status !== 'verified' && !this.jsonEnabled() && canPrompt()) {
        const answer = await ask(
          `Does ${user} see the same number? Type yes to record them as verified: `,
        )
        confirm = /^y(es)?$/i.test(answer.trim())
      } else if (!confirm && check.status === 'unverified') {
        this.log(
          `not verified yet: once ${user} sees the same number, run \`chathub verify ${user} --confirm\``,
        )
      }
      if (confirm) {
        verification = await confirmSafety(store, check)
        recorded = 'confirmed'
        this.log(
          `recorded: ${user} is verified on this device; a change of their devices will be shown`,
        )
      }
    }

    const status: VerificationStatus =
      recorded === 'confirmed' ? 'verified' : recorded === 'forgotten' ? 'unverified' : check.status
    return {
      user,
      safetyNumber: lines.join(' '),
      status,
      ...(verification ? { verifiedAt: new Date(verification.at).toISOString() } : {}),
      ...(check.changes && status === 'broken'
        ? {
            changes: {
              added: check.changes.added.map((d) => d.device),
              removed: check.changes.removed,
              keyChanged: check.changes.keyChanged,
            },
          }
        : {}),
      keyReplaced: check.theirs.replaced,
      devices,
      recorded,
    }
  }

  /** The number, their devices, and what is known: verified, broken (and what changed), a replaced key. */
  private async show(
    check: SafetyCheck,
    lines: string[],
    devices: VerifiedDevice[],
  ): Promise<void> {
    const { user } = check
    this.log(
      `safety number of you and ${user} (the same on both sides; compare it with ${user} out of band):`,
    )
    this.log('')
    for (const line of lines) this.log(`    ${line}`)
    this.log('')
    this.log(`${user}'s devices:`)
    for (const d of devices) {
      const status =
        d.status === 'unvouched'
          ? 'unvouched (not in the number, nor in your rooms)'
          : d.status + (d.by ? ` by ${d.by}` : '')
      this.log(`  ${d.device}  ${d.fingerprint}  ${status.padEnd(34)} ${d.name}`)
    }
    this.log('')
    const verifiedAt = check.verification ? new Date(check.verification.at).toISOString() : ''
    if (check.theirs.replaced.length > 0)
      this.log(
        `the hub lists ${user}'s device ${check.theirs.replaced.join(', ')} with another key than this device pinned: ` +
          `nothing is sent to ${user} until you compare this number and confirm it`,
      )
    if (check.status === 'verified')
      this.log(`verified: you confirmed this number with ${user} on ${verifiedAt}`)
    if (check.status === 'broken' && check.changes) {
      const { describeChanges } = await import('#core/client/e2e/verification')
      this.log(
        `VERIFICATION BROKEN: ${user}'s devices changed since you verified them on ${verifiedAt}: ${describeChanges(check.changes)}`,
      )
      this.log(
        `compare the number above with ${user} again; if it matches, run \`chathub verify ${user} --confirm\``,
      )
    }
  }
}
