// One room's MLS group (RFC 9420) on this device, through ts-mls: create or join it, encrypt and
// decrypt what goes through the hub, and change its members with Commits that stay pending until
// the hub accepts them. The hub is the Delivery Service: it orders messages per room and accepts
// one Commit per epoch (the first wins; a later one is refused CHATHUB_E2E_STALE_EPOCH), so a
// Commit is only applied once the hub accepted it, and dropped when another one won.
import {
  type ClientConfig,
  type ClientState,
  type KeyPackage,
  type Proposal,
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  decodeGroupState,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  joinGroup,
  processMessage,
  acceptAll,
  zeroOutUint8Array,
} from 'ts-mls'
import { fromBase64, toBase64 } from '#core/protocol/e2e'
import { type ChatError, isChatError } from '#core/errors'
import { compile } from '#core/schema/validator'
import type { Device } from './device.ts'
import { type CannotDecryptReason, e2eErrors } from './errors.ts'
import { decodeKeyPackage, findKeyPackageFor, makeOwnKeyPackage } from './key-packages.ts'
import {
  type Member,
  type MemberLeaf,
  membersOf,
  membershipChange,
  sameMember,
  senderOf,
  usersOf,
} from './members.ts'
import {
  type RoomMessage,
  contentTypeOf,
  decodeRoomMessage,
  decodeWelcome,
  epochOf,
  groupIdOf,
  ratchetTreeOf,
  sameBytes,
} from './mls-messages.ts'
import {
  type StoredGroup,
  StoredGroup as StoredGroupSchema,
  type StoredKeyPackage,
  type StoredPendingCommit,
} from './store.ts'
import { cipherSuite } from './suite.ts'
import type { DeviceTrust } from './trust.ts'

export type { Member, MemberLeaf } from './members.ts'

/** What this device is in every group: the account, the device, and whom it trusts. */
export interface DeviceContext {
  user: string
  device: Device
  trust: DeviceTrust
}

/** What process() found in a message. */
export type Processed =
  | { kind: 'application'; bytes: Uint8Array; sender: Member; epoch: number }
  /** A Commit applied: the devices it added and removed, and the epoch the group is in now. */
  | { kind: 'commit'; by: Member | undefined; added: Member[]; removed: Member[]; epoch: number }
  /** A proposal, kept until a Commit includes it. */
  | { kind: 'proposal' }

/**
 * Membership wanted after a Commit. It states an outcome, not a change, so the same intent can be
 * made again on a newer epoch after another Commit won: devices already in are not added again,
 * devices already gone are not removed again.
 */
export interface CommitIntent {
  /** KeyPackages of the devices to add (encoded `mls_key_package` messages, as `claim` hands them out). */
  add?: Uint8Array[]
  /** Users whose every device goes. */
  removeUsers?: string[]
  removeDevices?: Member[]
}

/** A Commit of this device on its way to the hub (the `mls` frame's `data`, `groupInfo`, `welcome`, `to`, `removed`). */
export interface PendingCommit {
  commit: Uint8Array
  /** The new epoch's GroupInfo, with its ratchet tree. */
  groupInfo: Uint8Array
  /** For the added devices. */
  welcome?: Uint8Array
  /** The epoch it is made in: the hub accepts it only while the room is there. */
  epoch: number
  /** Users with an added device (the Welcome goes to them). */
  added: string[]
  /** Users whose every device it removes. */
  removed: string[]
  addedDevices: Member[]
  removedDevices: Member[]
}

interface Pending {
  summary: PendingCommit
  state: ClientState
  /** Secrets of the current epoch the Commit used up, wiped once it is applied. */
  consumed: Uint8Array[]
}

const storedGroupChecker = compile(StoredGroupSchema)

export class RoomGroup {
  private pendingCommit: Pending | undefined

  private constructor(
    private readonly ctx: DeviceContext,
    private state: ClientState,
    /** The epoch this device joined at: earlier messages were never meant for it. */
    private readonly joinedAt: number,
  ) {}

  /** A new group with this device as its only member (the room's creator). */
  static async create(ctx: DeviceContext, groupId: Uint8Array): Promise<RoomGroup> {
    const own = await makeOwnKeyPackage(ctx.user, ctx.device)
    const config = clientConfigFor(ctx)
    const state = await createGroup(
      groupId,
      own.publicPackage,
      own.privatePackage,
      [],
      await cipherSuite(),
      config,
    )
    return new RoomGroup(ctx, state, 0)
  }

  /**
   * Join from a Welcome with one of the device's kept KeyPackages (`keyPackage`: its ref, to drop it
   * with withoutUsedKeyPackage). `groupInfo` (the `groupinfo` answer) only for a Welcome without
   * the ratchet tree; this module's Welcomes carry it. E2E_WELCOME_NOT_FOR_US when no kept package
   * fits; E2E_UNVOUCHED_DEVICE when the group holds a device this device does not trust.
   */
  static async join(
    ctx: DeviceContext,
    welcome: Uint8Array,
    kept: StoredKeyPackage[],
    options: { groupInfo?: Uint8Array } = {},
  ): Promise<{ group: RoomGroup; keyPackage: string }> {
    const decoded = decodeWelcome(welcome)
    const own = findKeyPackageFor(decoded, kept, ctx.device)
    if (!own) throw e2eErrors.welcomeNotForUs()
    const refused: Member[] = []
    const config = clientConfigFor(ctx, (d) => refused.push(d))
    let state: ClientState
    try {
      const tree = options.groupInfo ? ratchetTreeOf(options.groupInfo) : undefined
      const cs = await cipherSuite()
      state = await joinGroup(
        decoded,
        own.publicPackage,
        own.privatePackage,
        emptyPskIndex,
        cs,
        tree,
        undefined,
        config,
      )
    } catch (err) {
      throw asChatError(
        err,
        refused.length > 0
          ? e2eErrors.unvouchedDevice(refused)
          : e2eErrors.cannotDecrypt('malformed', err),
      )
    }
    const group = new RoomGroup(
      ctx,
      { ...state, clientConfig: clientConfigFor(ctx) },
      Number(state.groupContext.epoch),
    )
    return { group, keyPackage: own.ref }
  }

  /** A group as encode() stored it. E2E_STATE_INVALID when it is not one. */
  static decode(ctx: DeviceContext, stored: unknown): RoomGroup {
    if (!storedGroupChecker.check(stored)) {
      throw e2eErrors.stateInvalid(`group: ${storedGroupChecker.problems().join('; ')}`)
    }
    const group = new RoomGroup(ctx, decodeState(ctx, stored.state), stored.joinedAt)
    if (stored.pending) group.pendingCommit = decodePending(ctx, stored.pending)
    return group
  }

  /** The whole state, pending Commit included, for the device's store (it holds secrets: store it as such). */
  encode(): StoredGroup {
    const pending = this.pendingCommit
    return {
      v: 1,
      suite: 1,
      state: toBase64(encodeGroupState(this.state)),
      joinedAt: this.joinedAt,
      ...(pending ? { pending: encodePending(pending) } : {}),
    }
  }

  get groupId(): Uint8Array {
    return this.state.groupContext.groupId
  }

  /** This device's id (its leaf's credential is `user/device`). */
  get device(): string {
    return this.ctx.device.id
  }

  get epoch(): number {
    return Number(this.state.groupContext.epoch)
  }

  /** Whether this device is still in the group (not removed by a Commit). */
  get active(): boolean {
    return this.state.groupActiveState.kind === 'active'
  }

  get pending(): PendingCommit | undefined {
    return this.pendingCommit?.summary
  }

  /** The devices in the group, by leaf. */
  members(): MemberLeaf[] {
    return membersOf(this.state.ratchetTree)
  }

  /** An application message (a PrivateMessage) for the room. E2E_NOT_A_MEMBER once removed. */
  async encrypt(bytes: Uint8Array): Promise<Uint8Array> {
    if (!this.active) throw e2eErrors.notAMember()
    const result = await createApplicationMessage(this.state, bytes, await cipherSuite())
    this.state = result.newState
    result.consumed.forEach(zeroOutUint8Array)
    return encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: result.privateMessage,
    })
  }

  /**
   * Decrypt or apply a message of the room, in the hub's order. Our own pending Commit coming back
   * is applied (the hub accepted it); another Commit for the pending one's epoch won, so the
   * pending one is discarded. A message that cannot be processed throws E2E_CANNOT_DECRYPT
   * (`details.reason`) and changes nothing.
   */
  async process(data: Uint8Array): Promise<Processed> {
    if (this.pendingCommit && sameBytes(data, this.pendingCommit.summary.commit))
      return this.confirm()
    const message = decodeRoomMessage(data)
    this.checkAddressedHere(message)
    const before = this.state
    const cs = await cipherSuite()
    const result = await this.guarded(
      (state) => processMessage(message, state, emptyPskIndex, acceptAll, cs),
      (refused, err) => e2eErrors.cannotDecrypt('unvouched_device', err, refused),
      (err) => e2eErrors.cannotDecrypt(reasonOf(err), err),
    )
    this.state = { ...result.newState, clientConfig: before.clientConfig }
    result.consumed.forEach(zeroOutUint8Array)
    if (result.kind === 'applicationMessage') {
      return {
        kind: 'application',
        bytes: result.message,
        sender: await senderOf(before, message),
        epoch: epochOf(message),
      }
    }
    if (contentTypeOf(message) === 'proposal') return { kind: 'proposal' }
    // Another device's Commit won this epoch: ours can never be accepted now.
    this.pendingCommit = undefined
    return {
      kind: 'commit',
      by: await senderOf(before, message),
      ...membershipChange(before, this.state),
      epoch: this.epoch,
    }
  }

  /**
   * Make a Commit that brings the group to `intent`, without applying it: send it to the hub, then
   * confirm() when the hub accepted it, or discard() when it was refused (another Commit won: process
   * that one, then propose again). Undefined when the intent is already met. E2E_UNVOUCHED_DEVICE
   * for a KeyPackage of a device this device does not trust.
   */
  async proposeCommit(intent: CommitIntent = {}): Promise<PendingCommit | undefined> {
    if (this.pendingCommit) throw e2eErrors.commitPending()
    if (!this.active) throw e2eErrors.notAMember()
    const plan = this.planCommit(intent)
    const asked =
      (intent.add?.length ?? 0) +
      (intent.removeUsers?.length ?? 0) +
      (intent.removeDevices?.length ?? 0)
    if (asked > 0 && plan.proposals.length === 0) return undefined
    const cs = await cipherSuite()
    const result = await this.guarded(
      // A PublicMessage, so that the hub sees it is a Commit and for which epoch; the ratchet tree
      // goes in the Welcome, so that joiners need nothing else.
      (state) =>
        createCommit(
          { state, cipherSuite: cs },
          { extraProposals: plan.proposals, wireAsPublicMessage: true, ratchetTreeExtension: true },
        ),
      (refused) => e2eErrors.unvouchedDevice(refused),
      // A bad signature, a KeyPackage of a device already in, an unsupported extension...
      (err) =>
        plan.added.length > 0
          ? e2eErrors.keyPackageInvalid('MLS refused it', err)
          : e2eErrors.commitInvalid('MLS refused it'),
    )
    const newState = { ...result.newState, clientConfig: this.state.clientConfig }
    const groupInfo = await createGroupInfoWithExternalPubAndRatchetTree(newState, [], cs)
    const summary: PendingCommit = {
      commit: encodeMlsMessage(result.commit),
      groupInfo: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo }),
      ...(result.welcome
        ? {
            welcome: encodeMlsMessage({
              version: 'mls10',
              wireformat: 'mls_welcome',
              welcome: result.welcome,
            }),
          }
        : {}),
      epoch: this.epoch,
      ...usersOf(plan, membersOf(newState.ratchetTree)),
      addedDevices: plan.added,
      removedDevices: plan.removed,
    }
    this.pendingCommit = { summary, state: newState, consumed: result.consumed }
    return summary
  }

  /** The hub accepted the pending Commit: apply it. */
  confirm(): Processed & { kind: 'commit' } {
    const pending = this.pendingCommit
    if (!pending) throw e2eErrors.noCommitPending()
    const before = this.state
    this.state = withReceiverKeysOf(pending.state, before)
    this.pendingCommit = undefined
    pending.consumed.forEach(zeroOutUint8Array)
    const self = { user: this.ctx.user, device: this.ctx.device.id }
    return { kind: 'commit', by: self, ...membershipChange(before, this.state), epoch: this.epoch }
  }

  /** The hub refused the pending Commit (another one won the epoch): forget it. */
  discard(): void {
    this.pendingCommit = undefined
  }

  /**
   * Run a ts-mls step with an AuthenticationService that records whom it refused, and turn its
   * failure into a ChatError: `whenRefused` when a credential was refused, else `otherwise`
   * (ChatErrors, such as a changed device key, pass as they are).
   */
  private async guarded<T>(
    step: (state: ClientState) => Promise<T>,
    whenRefused: (refused: Member[], err: unknown) => ChatError,
    otherwise: (err: unknown) => ChatError,
  ): Promise<T> {
    const refused: Member[] = []
    const authService = this.ctx.trust.authenticationService((d) => refused.push(d))
    try {
      return await step({
        ...this.state,
        clientConfig: { ...this.state.clientConfig, authService },
      })
    } catch (err) {
      throw asChatError(err, refused.length > 0 ? whenRefused(refused, err) : otherwise(err))
    }
  }

  /** Refuse, before any cryptography, what cannot be for this group in its current epoch. */
  private checkAddressedHere(message: RoomMessage): void {
    const epoch = epochOf(message)
    if (!sameBytes(groupIdOf(message), this.groupId)) throw e2eErrors.cannotDecrypt('malformed')
    if (!this.active) throw e2eErrors.cannotDecrypt('not_a_member')
    if (epoch < this.joinedAt) throw e2eErrors.cannotDecrypt('before_join')
    if (epoch > this.epoch) throw e2eErrors.cannotDecrypt('missed_commit')
    // A handshake message of an earlier epoch was processed then, or lost to the Commit that won.
    if (epoch < this.epoch && contentTypeOf(message) !== 'application')
      throw e2eErrors.cannotDecrypt('epoch_too_old')
  }

  /** The proposals for `intent` against the current members, and the devices they add and remove. */
  private planCommit(intent: CommitIntent): {
    proposals: Proposal[]
    added: Member[]
    removed: Member[]
  } {
    const members = this.members()
    const self = { user: this.ctx.user, device: this.ctx.device.id }
    const isSelf = (m: Member) => m.user === self.user && m.device === self.device
    if ((intent.removeDevices ?? []).some(isSelf))
      throw e2eErrors.commitInvalid('a device cannot remove itself; leave the room instead')
    const goners = members.filter(
      (m) =>
        !isSelf(m) &&
        ((intent.removeUsers ?? []).includes(m.user) ||
          (intent.removeDevices ?? []).some((d) => sameMember(d, m))),
    )
    const newcomers = this.newcomersOf(intent.add ?? [], members)
    return {
      proposals: [
        ...goners.map((m): Proposal => ({ proposalType: 'remove', remove: { removed: m.leaf } })),
        ...newcomers.map((n): Proposal => ({
          proposalType: 'add',
          add: { keyPackage: n.keyPackage },
        })),
      ],
      added: newcomers.map((n) => n.owner),
      removed: goners.map(({ user, device }) => ({ user, device })),
    }
  }

  private newcomersOf(
    add: Uint8Array[],
    members: Member[],
  ): { keyPackage: KeyPackage; owner: Member }[] {
    const suite = this.state.groupContext.cipherSuite
    const newcomers: { keyPackage: KeyPackage; owner: Member }[] = []
    for (const data of add) {
      const { keyPackage, owner } = decodeKeyPackage(data)
      if (keyPackage.cipherSuite !== suite)
        throw e2eErrors.keyPackageInvalid(
          `${owner.user}/${owner.device} made it for another cipher suite`,
        )
      if (
        members.some((m) => sameMember(m, owner)) ||
        newcomers.some((n) => sameMember(n.owner, owner))
      )
        continue
      newcomers.push({ keyPackage, owner })
    }
    return newcomers
  }
}

const clientConfigFor = (ctx: DeviceContext, onRefused?: (d: Member) => void): ClientConfig => ({
  keyRetentionConfig: defaultKeyRetentionConfig,
  lifetimeConfig: defaultLifetimeConfig,
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: defaultPaddingConfig,
  authService: ctx.trust.authenticationService(onRefused),
})

/**
 * The applied Commit's state, with the receiving keys of the epoch it left taken from the current
 * state: application messages decrypted while the Commit was pending used those keys up, and must
 * stay used up (replays refused) in the new epoch's copy of the old one.
 */
const withReceiverKeysOf = (next: ClientState, current: ClientState): ClientState => {
  const epoch = current.groupContext.epoch
  const old = next.historicalReceiverData.get(epoch)
  if (!old) return next
  const historicalReceiverData = new Map(next.historicalReceiverData)
  historicalReceiverData.set(epoch, { ...old, secretTree: current.secretTree })
  return { ...next, historicalReceiverData }
}

/**
 * The reason behind a ts-mls failure. ts-mls has no error codes, only classes and messages; these
 * two messages are its replay check (a generation whose key is used up, RFC 9420 §9.2) and its
 * deleted-epoch check. Anything else did not authenticate or decode: malformed.
 */
const reasonOf = (err: unknown): CannotDecryptReason => {
  const message = err instanceof Error ? err.message : ''
  if (message === 'Desired gen in the past') return 'replayed'
  if (message === 'Cannot process message, epoch too old') return 'epoch_too_old'
  return 'malformed'
}

/** `err` when it already is a ChatError (ours, or the trust's), else `instead`. */
const asChatError = (err: unknown, instead: ChatError): ChatError =>
  isChatError(err) ? err : instead

const decodeState = (ctx: DeviceContext, encoded: string): ClientState => {
  let decoded: ReturnType<typeof decodeGroupState>
  try {
    decoded = decodeGroupState(fromBase64(encoded), 0)
  } catch (err) {
    throw e2eErrors.stateInvalid('group state', err)
  }
  if (!decoded) throw e2eErrors.stateInvalid('group state')
  // The encoding leaves the ClientConfig out (it holds functions): this device's goes back in.
  return { ...decoded[0], clientConfig: clientConfigFor(ctx) }
}

const encodePending = (p: Pending): StoredPendingCommit => ({
  state: toBase64(encodeGroupState(p.state)),
  commit: toBase64(p.summary.commit),
  groupInfo: toBase64(p.summary.groupInfo),
  ...(p.summary.welcome ? { welcome: toBase64(p.summary.welcome) } : {}),
  epoch: p.summary.epoch,
  added: p.summary.addedDevices,
  removed: p.summary.removedDevices,
})

const decodePending = (ctx: DeviceContext, stored: StoredPendingCommit): Pending => {
  const state = decodeState(ctx, stored.state)
  const plan = { added: stored.added, removed: stored.removed }
  return {
    state,
    // The secrets it used up are in the current state decoded beside it, which is dropped when it is applied.
    consumed: [],
    summary: {
      commit: fromBase64(stored.commit),
      groupInfo: fromBase64(stored.groupInfo),
      ...(stored.welcome ? { welcome: fromBase64(stored.welcome) } : {}),
      epoch: stored.epoch,
      ...usersOf(plan, membersOf(state.ratchetTree)),
      addedDevices: stored.added,
      removedDevices: stored.removed,
    },
  }
}
